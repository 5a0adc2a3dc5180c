// The schema, one numbered step at a time. Append only: never edit an applied migration.
//
// Versions ascend but may leave gaps: each area of the code base appends in its own block
// (identity 10–19, audit 20–29, governance 30–39, gateway and billing 40–49, Stripe 50–59,
// ledger and marketplace 60–69, OIDC 70–79, later work 80+), so parallel work never collides
// on a number. migrations() returns them sorted.
#include <algorithm>
#include <vector>

#include "secu/migrations.hpp"

namespace secu::store {

namespace {

constexpr Migration kMigrations[] = {
    {1, "meta",
     R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
    {10, "identity",
     R"sql(
CREATE TABLE orgs (
  id                          TEXT PRIMARY KEY,
  name                        TEXT NOT NULL,
  created_at                  BIGINT NOT NULL,
  default_daily_budget_micros BIGINT,
  stripe_email                TEXT,
  network                     TEXT,
  create_wallet               INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX orgs_created ON orgs (created_at, id);

-- email is stored normalised (trimmed, lowercase) and is unique across orgs: login is by email.
CREATE TABLE users (
  id                TEXT PRIMARY KEY,
  org_id            TEXT NOT NULL REFERENCES orgs (id),
  email             TEXT NOT NULL UNIQUE,
  password_hash     TEXT,
  role              TEXT NOT NULL,
  email_verified    INTEGER NOT NULL DEFAULT 0,
  email_verified_at BIGINT,
  created_at        BIGINT NOT NULL,
  last_login_at     BIGINT
);
CREATE INDEX users_org_created ON users (org_id, created_at, id);
CREATE INDEX users_created ON users (created_at, id);

-- One row per issued JWT (its sid); logout sets revoked_at.
CREATE TABLE sessions (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id),
  org_id     TEXT NOT NULL REFERENCES orgs (id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Magic-link and verification tokens: only a keyed hash is kept; single use; expiring.
CREATE TABLE email_tokens (
  token_hash   TEXT PRIMARY KEY,
  kind         TEXT NOT NULL,
  user_id      TEXT NOT NULL REFERENCES users (id),
  redirect_url TEXT,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  used_at      BIGINT
);
CREATE INDEX email_tokens_user ON email_tokens (user_id, kind);

-- Idempotency records, scoped per principal and endpoint, kept at least 24 h.
CREATE TABLE idempotency (
  scope       TEXT NOT NULL,
  key         TEXT NOT NULL,
  body_hash   TEXT NOT NULL,
  status      INTEGER NOT NULL,
  response    TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);
)sql"},
    {20, "audit_log",
     R"sql(
-- seq is the rowid (INTEGER PRIMARY KEY): appends and range scans by seq are the cheapest
-- SQLite can do. See shared/include/secu/audit.hpp for the chain's invariants.
CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY,
  ts         BIGINT NOT NULL,
  org_id     TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id   TEXT NOT NULL,
  action     TEXT NOT NULL,
  target     TEXT NOT NULL,
  details    TEXT NOT NULL,
  request_id TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, seq);
)sql"},
};

std::vector<Migration> sorted() {
  std::vector<Migration> v(std::begin(kMigrations), std::end(kMigrations));
  std::sort(v.begin(), v.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return v;
}

}  // namespace

std::span<const Migration> migrations() {
  static const std::vector<Migration> list = sorted();
  return list;
}

}  // namespace secu::store
