// The schema, one numbered step at a time. Append only: never edit an applied migration.
//
// Versions ascend but may leave gaps: each area of the code base appends in its own block
// (identity 10–19, audit 20–29, governance 30–39, gateway and billing 40–49, Stripe 50–59,
// ledger and marketplace 60–69, OIDC 70–79, later work 80+), so parallel work never collides
// on a number. migrations() returns them sorted. A database records each applied version
// (schema_migrations), so a migration appended to a lower block still runs on upgrade.
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
    {21, "audit_merkle",
     R"sql(
-- Hashes of the complete subtrees of the audit log's RFC 6962 Merkle tree: node (level, idx)
-- covers leaves [idx * 2^level, (idx + 1) * 2^level); level 0 holds the leaf hashes (32 raw
-- bytes, BYTEA in PostgreSQL). Written with each append; see secu/audit/log.hpp.
CREATE TABLE audit_merkle (
  level INTEGER NOT NULL,
  idx   BIGINT NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
);
)sql"},
    {22, "audit_checkpoints",
     R"sql(
-- Signed tree heads (C2SP tlog-checkpoint notes), one per tree size; sizes only grow.
CREATE TABLE audit_checkpoints (
  size BIGINT PRIMARY KEY,
  ts   BIGINT NOT NULL,
  root BLOB NOT NULL,
  note TEXT NOT NULL
);
)sql"},
    {30, "governance",
     R"sql(
-- Policies: list fields are JSON arrays of strings; costs are micro-USD.
CREATE TABLE policies (
  id                          TEXT PRIMARY KEY,
  org_id                      TEXT NOT NULL REFERENCES orgs (id),
  name                        TEXT NOT NULL,
  allowed_actions             TEXT NOT NULL,
  denied_path_prefixes        TEXT NOT NULL,
  max_cost_per_request_micros BIGINT,
  require_approval            INTEGER NOT NULL DEFAULT 0,
  approval_min_cost_micros    BIGINT,
  approval_actions            TEXT NOT NULL,
  created_at                  BIGINT NOT NULL,
  updated_at                  BIGINT NOT NULL
);
CREATE INDEX policies_org_created ON policies (org_id, created_at, id);
CREATE INDEX policies_created ON policies (created_at, id);

CREATE TABLE agents (
  id                  TEXT PRIMARY KEY,
  org_id              TEXT NOT NULL REFERENCES orgs (id),
  name                TEXT NOT NULL,
  status              TEXT NOT NULL,
  daily_budget_micros BIGINT,
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL,
  disabled_at         BIGINT
);
CREATE INDEX agents_org_created ON agents (org_id, created_at, id);
CREATE INDEX agents_created ON agents (created_at, id);

-- position keeps the operator's order of attachment (deny messages name the first deny).
CREATE TABLE agent_policies (
  agent_id  TEXT NOT NULL REFERENCES agents (id),
  policy_id TEXT NOT NULL REFERENCES policies (id),
  position  INTEGER NOT NULL,
  PRIMARY KEY (agent_id, policy_id)
);
CREATE INDEX agent_policies_policy ON agent_policies (policy_id);

-- api_key_sealed: XChaCha20-Poly1305 under the master key's seal subkey, bound to the id.
CREATE TABLE vendors (
  id             TEXT PRIMARY KEY,
  org_id         TEXT NOT NULL REFERENCES orgs (id),
  name           TEXT NOT NULL,
  base_url       TEXT NOT NULL,
  auth_type      TEXT NOT NULL,
  header_name    TEXT,
  api_key_sealed BLOB NOT NULL,
  api_key_last4  TEXT NOT NULL,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  deleted_at     BIGINT
);
CREATE INDEX vendors_org_created ON vendors (org_id, created_at, id);
CREATE INDEX vendors_created ON vendors (created_at, id);

-- key_hash: keyed BLAKE2b of the secret (the secret itself is shown once and never stored).
CREATE TABLE keys (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL REFERENCES orgs (id),
  agent_id     TEXT NOT NULL REFERENCES agents (id),
  vendor_id    TEXT NOT NULL REFERENCES vendors (id),
  key_hash     TEXT NOT NULL UNIQUE,
  prefix       TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  revoked_at   BIGINT,
  last_used_at BIGINT
);
CREATE INDEX keys_org_created ON keys (org_id, created_at, id);
CREATE INDEX keys_created ON keys (created_at, id);
CREATE INDEX keys_agent ON keys (agent_id);
CREATE INDEX keys_vendor ON keys (vendor_id);
)sql"},
    {31, "keys_filter_order",
     R"sql(
-- `keys list --agent/--vendor` pages newest first: the filter column then (created_at, id), so
-- the page is read off the index in order instead of sorting every key of the agent
-- (caught by tests/unit/test_query_plans.cpp).
DROP INDEX keys_agent;
DROP INDEX keys_vendor;
CREATE INDEX keys_agent ON keys (agent_id, created_at, id);
CREATE INDEX keys_vendor ON keys (vendor_id, created_at, id);
)sql"},
    {40, "gateway_billing",
     R"sql(
-- Approvals: one per request that needed a human. The grant is bound to `digest`
-- (policy::request_digest) and used once (used_at). expires_at: the decision deadline while
-- pending, the grant's use deadline once approved.
CREATE TABLE approvals (
  id              TEXT PRIMARY KEY,
  org_id          TEXT NOT NULL REFERENCES orgs (id),
  agent_id        TEXT NOT NULL REFERENCES agents (id),
  key_id          TEXT NOT NULL,
  vendor_id       TEXT NOT NULL,
  action          TEXT NOT NULL,
  method          TEXT NOT NULL,
  path            TEXT NOT NULL,
  cost_micros     BIGINT NOT NULL,
  policy_id       TEXT NOT NULL,
  trigger_reason  TEXT NOT NULL,
  digest          TEXT NOT NULL,
  status          TEXT NOT NULL,
  request_id      TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  expires_at      BIGINT NOT NULL,
  decided_at      BIGINT,
  decided_by      TEXT,
  reason          TEXT,
  used_at         BIGINT,
  used_request_id TEXT
);
CREATE INDEX approvals_org_created ON approvals (org_id, created_at, id);
CREATE INDEX approvals_created ON approvals (created_at, id);
CREATE INDEX approvals_agent_status ON approvals (agent_id, status);
CREATE INDEX approvals_status_expires ON approvals (status, expires_at);

-- One row per gateway decision. cost/fee start as the authorised cost and its fee and are
-- settled to the metered cost once the stream ended (settled = 1); `day` is the UTC day of
-- created_at whose budget row holds the reservation, `hour` the rollup bucket.
CREATE TABLE billing_events (
  id                     TEXT PRIMARY KEY,
  org_id                 TEXT NOT NULL,
  agent_id               TEXT NOT NULL,
  key_id                 TEXT NOT NULL,
  vendor_id              TEXT NOT NULL,
  request_id             TEXT NOT NULL,
  action                 TEXT NOT NULL,
  method                 TEXT NOT NULL,
  path                   TEXT NOT NULL,
  allow                  INTEGER NOT NULL,
  status_code            INTEGER NOT NULL,
  authorized_cost_micros BIGINT NOT NULL,
  cost_micros            BIGINT NOT NULL,
  fee_micros             BIGINT NOT NULL,
  policy_id              TEXT,
  deny_reason            TEXT,
  approval_id            TEXT,
  metering_source        TEXT NOT NULL,
  error_code             TEXT,
  settled                INTEGER NOT NULL,
  day                    BIGINT NOT NULL,
  hour                   BIGINT NOT NULL,
  created_at             BIGINT NOT NULL
);
CREATE INDEX billing_events_org_created ON billing_events (org_id, created_at, id);
CREATE INDEX billing_events_agent_created ON billing_events (agent_id, created_at, id);
CREATE INDEX billing_events_created ON billing_events (created_at, id);
CREATE INDEX billing_events_unsettled ON billing_events (settled) WHERE settled = 0;

-- What counts against an agent's daily budget, per UTC day (day = its start, ms): settled
-- costs and the authorised costs of requests in flight. Maintained in the decision's and the
-- settlement's write jobs, so "spent + reserved + asked <= budget" is one row read.
CREATE TABLE budget_days (
  agent_id        TEXT NOT NULL,
  day             BIGINT NOT NULL,
  spent_micros    BIGINT NOT NULL,
  reserved_micros BIGINT NOT NULL,
  PRIMARY KEY (agent_id, day)
);

-- Billing totals per org, agent and UTC hour, maintained with every event and settlement:
-- a summary reads whole hours here and only its partial edge hours from billing_events.
CREATE TABLE billing_rollups (
  org_id         TEXT NOT NULL,
  hour           BIGINT NOT NULL,
  agent_id       TEXT NOT NULL,
  total_events   BIGINT NOT NULL,
  allowed_events BIGINT NOT NULL,
  cost_micros    BIGINT NOT NULL,
  fee_micros     BIGINT NOT NULL,
  PRIMARY KEY (org_id, hour, agent_id)
);
CREATE INDEX billing_rollups_agent ON billing_rollups (agent_id, hour);
CREATE INDEX billing_rollups_hour ON billing_rollups (hour);

-- Per-org billing settings; NULL fee fields inherit the daemon's defaults.
CREATE TABLE billing_settings (
  org_id                  TEXT PRIMARY KEY REFERENCES orgs (id),
  stripe_customer_id      TEXT,
  billing_email           TEXT,
  monthly_retainer_micros BIGINT NOT NULL DEFAULT 0,
  stripe_enabled          INTEGER NOT NULL DEFAULT 0,
  currency                TEXT NOT NULL DEFAULT 'usd',
  collection_method       TEXT NOT NULL DEFAULT 'send_invoice',
  days_until_due          INTEGER NOT NULL DEFAULT 30,
  take_rate_bps           BIGINT,
  fee_mode                TEXT,
  fee_per_action_micros   BIGINT,
  created_at              BIGINT NOT NULL,
  updated_at              BIGINT NOT NULL
);
)sql"},
    {41, "billing_rollups_scopes",
     R"sql(
-- Each event also counts in its org's row (agent_id '') and every org's row (org_id and
-- agent_id ''), so an org's or the platform's summary reads one row per hour: rows per agent
-- and hour grow with the agents. Filled here from the agent rows already kept.
INSERT INTO billing_rollups (org_id, hour, agent_id, total_events, allowed_events, cost_micros,
                             fee_micros)
  SELECT org_id, hour, '', SUM(total_events), SUM(allowed_events), SUM(cost_micros),
         SUM(fee_micros)
  FROM billing_rollups WHERE agent_id <> '' GROUP BY org_id, hour;
INSERT INTO billing_rollups (org_id, hour, agent_id, total_events, allowed_events, cost_micros,
                             fee_micros)
  SELECT '', hour, '', SUM(total_events), SUM(allowed_events), SUM(cost_micros), SUM(fee_micros)
  FROM billing_rollups WHERE org_id <> '' AND agent_id = '' GROUP BY hour;
CREATE INDEX billing_rollups_scope ON billing_rollups (org_id, agent_id, hour);
DROP INDEX billing_rollups_agent;
CREATE INDEX billing_rollups_agent ON billing_rollups (agent_id, org_id, hour);
)sql"},
    {50, "stripe_invoices",
     R"sql(
-- Secu's own record of every Stripe invoice it makes: one row per (org, period), written
-- BEFORE the first Stripe call (status 'pending') and completed after the invoice is finalized
-- (status = Stripe's: open, paid, ...). The unique key is what makes "ask again" answer the
-- same invoice and a crash resume the half-made one (with the same idempotency keys, which are
-- derived from id) instead of making a second. The *_item_id / stripe_invoice_id columns record
-- each Stripe step as it succeeds, so a resume skips what is done.
CREATE TABLE stripe_invoices (
  id                 TEXT PRIMARY KEY,
  org_id             TEXT NOT NULL REFERENCES orgs (id),
  period_start       BIGINT NOT NULL,
  period_end         BIGINT NOT NULL,
  stripe_customer_id TEXT NOT NULL,
  currency           TEXT NOT NULL,
  collection_method  TEXT NOT NULL,
  days_until_due     INTEGER,
  fee_micros         BIGINT NOT NULL,
  fee_cents          BIGINT NOT NULL,
  retainer_cents     BIGINT NOT NULL,
  total_cents        BIGINT NOT NULL,
  fees_item_id       TEXT,
  retainer_item_id   TEXT,
  stripe_invoice_id  TEXT,
  status             TEXT NOT NULL,
  amount_due_cents   BIGINT,
  number             TEXT,
  hosted_invoice_url TEXT,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL,
  UNIQUE (org_id, period_start, period_end)
);
CREATE INDEX stripe_invoices_org_created ON stripe_invoices (org_id, created_at, id);
CREATE INDEX stripe_invoices_created ON stripe_invoices (created_at, id);
)sql"},
    {70, "oidc_states",
     R"sql(
-- OIDC sign-in attempts between /v1/auth/oidc/start and the callback. Only keyed hashes of the
-- state and the nonce are kept; the PKCE code_verifier is sealed (bound to the state hash).
-- Single use (used_at), 10-minute expiry.
CREATE TABLE oidc_states (
  state_hash      TEXT PRIMARY KEY,
  nonce_hash      TEXT NOT NULL,
  verifier_sealed TEXT NOT NULL,
  redirect_uri    TEXT NOT NULL,
  redirect_url    TEXT,
  created_at      BIGINT NOT NULL,
  expires_at      BIGINT NOT NULL,
  used_at         BIGINT
);
CREATE INDEX oidc_states_expires ON oidc_states (expires_at);
)sql"},
    {60, "ledger",
     R"sql(
-- The double-entry ledger (secu/ledger.hpp). Accounts: agent wallets and org wallets, one per
-- owner and currency, and system accounts (funding, x402 settlement, fees) that may go
-- negative. `balance` caches SUM(ledger_entries.amount) of the account and `held` the amounts
-- of its pending holds; both are updated in the write job that adds the entries or holds, and
-- the CHECK keeps every non-system wallet at balance >= held >= 0 (no wallet below zero).
CREATE TABLE ledger_accounts (
  id             TEXT PRIMARY KEY,
  org_id         TEXT NOT NULL,
  owner_type     TEXT NOT NULL,
  owner_id       TEXT NOT NULL,
  currency       TEXT NOT NULL,
  network        TEXT,
  balance        BIGINT NOT NULL DEFAULT 0,
  held           BIGINT NOT NULL DEFAULT 0,
  allow_negative INTEGER NOT NULL DEFAULT 0,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  UNIQUE (owner_type, owner_id, currency),
  CHECK (allow_negative = 1 OR (held >= 0 AND balance >= held))
);
CREATE INDEX ledger_accounts_org_created ON ledger_accounts (org_id, created_at, id);
CREATE INDEX ledger_accounts_created ON ledger_accounts (created_at, id);

-- One row per movement of money: funding by an admin, a transfer between agents, a payment
-- out on an external rail. amount in minor units of currency; amount_micros is its USD value
-- (budgets, stats); fee_micros the platform fee billed for it (billing_events).
CREATE TABLE ledger_transfers (
  id              TEXT PRIMARY KEY,
  org_id          TEXT NOT NULL,
  kind            TEXT NOT NULL,
  rail            TEXT NOT NULL,
  status          TEXT NOT NULL,
  currency        TEXT NOT NULL,
  amount          BIGINT NOT NULL,
  amount_micros   BIGINT NOT NULL,
  fee_micros      BIGINT NOT NULL,
  from_account_id TEXT NOT NULL,
  to_account_id   TEXT NOT NULL,
  from_agent_id   TEXT,
  to_agent_id     TEXT,
  to_org_id       TEXT,
  to_address      TEXT,
  network         TEXT,
  asset           TEXT,
  mandate_id      TEXT,
  metadata        TEXT NOT NULL,
  idempotency_key TEXT,
  body_hash       TEXT,
  external_ref    TEXT,
  failure_code    TEXT,
  event_id        TEXT,
  approval_id     TEXT,
  actor_type      TEXT NOT NULL,
  actor_id        TEXT NOT NULL,
  request_id      TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
);
CREATE INDEX ledger_transfers_org_created ON ledger_transfers (org_id, created_at, id);
CREATE INDEX ledger_transfers_to_org_created ON ledger_transfers (to_org_id, created_at, id);
CREATE INDEX ledger_transfers_created ON ledger_transfers (created_at, id);
CREATE INDEX ledger_transfers_from_account ON ledger_transfers (from_account_id, created_at);
CREATE INDEX ledger_transfers_to_account ON ledger_transfers (to_account_id, created_at);
-- idempotency_key is scoped per paying agent (the principal) and this endpoint.
CREATE UNIQUE INDEX ledger_transfers_idempotency ON ledger_transfers (from_agent_id,
  idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Entries: signed amounts (credit > 0, debit < 0); the entries of one transfer sum to 0.
CREATE TABLE ledger_entries (
  id          INTEGER PRIMARY KEY,
  transfer_id TEXT NOT NULL,
  account_id  TEXT NOT NULL,
  currency    TEXT NOT NULL,
  amount      BIGINT NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id);
CREATE INDEX ledger_entries_transfer ON ledger_entries (transfer_id);

-- Funds set aside for a transfer in flight on an external rail: pending until posted (the
-- entries are written) or voided / expired (released).
CREATE TABLE ledger_holds (
  id          TEXT PRIMARY KEY,
  transfer_id TEXT NOT NULL,
  account_id  TEXT NOT NULL,
  amount      BIGINT NOT NULL,
  status      TEXT NOT NULL,
  expires_at  BIGINT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
CREATE INDEX ledger_holds_transfer ON ledger_holds (transfer_id);
CREATE INDEX ledger_holds_pending ON ledger_holds (status, expires_at);
)sql"},
    {86, "key_rotation",
     R"sql(
-- Agent-key rotation with a grace period: the old key keeps working until expires_at, then
-- answers 401 like a revoked one; rotated_to names its successor.
ALTER TABLE keys ADD COLUMN expires_at BIGINT;
ALTER TABLE keys ADD COLUMN rotated_to TEXT;

-- Console JWT signing keys made by rotation (POST /v1/admin/rotate-jwt-key). The key before
-- the first rotation is the data dir's signing.key (kid "", seed_sealed NULL: its row is
-- written only when it is retired). One row has retired_at NULL: the key new JWTs are signed
-- with. A retired key still verifies the tokens it signed (their iat <= retired_at) until
-- verify_until = retired_at + the session lifetime, when the last of them has expired.
-- seed_sealed: XChaCha20-Poly1305 under the seal key, bound to the kid.
CREATE TABLE jwt_signing_keys (
  kid          TEXT PRIMARY KEY,
  seed_sealed  BLOB,
  public_key   TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  retired_at   BIGINT,
  verify_until BIGINT
);
)sql"},
    {61, "marketplace",
     R"sql(
-- Marketplace listings live on the agent (PATCH /v1/agents/{id}): listed, its price (micro-USD)
-- and pricing model (per_call | per_day | fixed).
ALTER TABLE agents ADD COLUMN listed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN price_micros BIGINT;
ALTER TABLE agents ADD COLUMN pricing_model TEXT;
CREATE INDEX agents_listed ON agents (listed, created_at, id);

-- One row per hire: an org (org_id) hires another org's listed agent (to_agent_id) at the
-- listing's terms; charge_transfer_id is the initial charge when charge_now was asked.
-- idempotency_key is scoped per hiring org.
CREATE TABLE marketplace_hires (
  id                  TEXT PRIMARY KEY,
  org_id              TEXT NOT NULL,
  to_agent_id         TEXT NOT NULL,
  to_org_id           TEXT NOT NULL,
  pricing_model       TEXT NOT NULL,
  price_micros        BIGINT NOT NULL,
  daily_budget_micros BIGINT,
  rail                TEXT,
  currency            TEXT,
  network             TEXT,
  asset               TEXT,
  charge_transfer_id  TEXT,
  status              TEXT NOT NULL,
  idempotency_key     TEXT,
  body_hash           TEXT,
  actor_type          TEXT NOT NULL,
  actor_id            TEXT NOT NULL,
  request_id          TEXT NOT NULL,
  created_at          BIGINT NOT NULL
);
CREATE INDEX marketplace_hires_org_created ON marketplace_hires (org_id, created_at, id);
CREATE INDEX marketplace_hires_to_org_created ON marketplace_hires (to_org_id, created_at, id);
CREATE INDEX marketplace_hires_created ON marketplace_hires (created_at, id);
CREATE UNIQUE INDEX marketplace_hires_idempotency ON marketplace_hires (org_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
)sql"},
    {62, "hire_linked_keys",
     R"sql(
-- A hire's linked key: the hiring org pays the hired agent through POST /v1/tx/transfer with an
-- agent key of its own payer agent. That key has no vendor (it never reaches the gateway), so
-- keys.vendor_id becomes nullable. SQLite cannot drop a NOT NULL in place: rebuild the table
-- (nothing references keys, so the rebuild is safe with foreign keys on).
CREATE TABLE keys_v62 (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL REFERENCES orgs (id),
  agent_id     TEXT NOT NULL REFERENCES agents (id),
  vendor_id    TEXT REFERENCES vendors (id),
  key_hash     TEXT NOT NULL UNIQUE,
  prefix       TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  revoked_at   BIGINT,
  last_used_at BIGINT
);
INSERT INTO keys_v62 (id, org_id, agent_id, vendor_id, key_hash, prefix, created_at, revoked_at,
                      last_used_at)
  SELECT id, org_id, agent_id, vendor_id, key_hash, prefix, created_at, revoked_at, last_used_at
  FROM keys;
DROP TABLE keys;
ALTER TABLE keys_v62 RENAME TO keys;
CREATE INDEX keys_org_created ON keys (org_id, created_at, id);
CREATE INDEX keys_created ON keys (created_at, id);
CREATE INDEX keys_agent ON keys (agent_id, created_at, id);
CREATE INDEX keys_vendor ON keys (vendor_id, created_at, id);

-- The hire's payer agent (in the hiring org), its policy and its linked key.
ALTER TABLE marketplace_hires ADD COLUMN payer_agent_id TEXT;
ALTER TABLE marketplace_hires ADD COLUMN policy_id TEXT;
ALTER TABLE marketplace_hires ADD COLUMN key_id TEXT;
CREATE INDEX marketplace_hires_payer ON marketplace_hires (payer_agent_id)
  WHERE payer_agent_id IS NOT NULL;
)sql"},
    {63, "transfers_account_order",
     R"sql(
-- A wallet's history pages by (created_at, id) from each side's index: the id in the index
-- keeps a page in index order without a sort, however many transfers share a millisecond.
DROP INDEX ledger_transfers_from_account;
DROP INDEX ledger_transfers_to_account;
CREATE INDEX ledger_transfers_from_account ON ledger_transfers (from_account_id, created_at, id);
CREATE INDEX ledger_transfers_to_account ON ledger_transfers (to_account_id, created_at, id);
)sql"},
    {64, "tx_rollups",
     R"sql(
-- Transaction stats without reading every transfer (store/tx_rollups.cpp): totals per scope
-- ('' = every org, else an org that paid or received), UTC hour, rail, currency and status,
-- and the distinct payers and payees per scope and hour, and per scope and day. Kept in the
-- write that inserts or settles a transfer; filled here from the transfers already made.
CREATE TABLE tx_rollups (
  scope         TEXT NOT NULL,
  hour          BIGINT NOT NULL,
  rail          TEXT NOT NULL,
  currency      TEXT NOT NULL,
  status        TEXT NOT NULL,
  count         BIGINT NOT NULL,
  amount        BIGINT NOT NULL,
  amount_micros BIGINT NOT NULL,
  fee_micros    BIGINT NOT NULL,
  PRIMARY KEY (scope, hour, rail, currency, status)
);
CREATE TABLE tx_parties_hourly (
  scope TEXT NOT NULL,
  hour  BIGINT NOT NULL,
  role  TEXT NOT NULL,
  party TEXT NOT NULL,
  PRIMARY KEY (scope, role, hour, party)
);
CREATE TABLE tx_parties_daily (
  scope TEXT NOT NULL,
  day   BIGINT NOT NULL,
  role  TEXT NOT NULL,
  party TEXT NOT NULL,
  PRIMARY KEY (scope, role, day, party)
);
CREATE TEMP VIEW tx_scoped AS
  SELECT '' AS scope, * FROM ledger_transfers WHERE kind = 'transfer'
  UNION ALL SELECT org_id, * FROM ledger_transfers WHERE kind = 'transfer'
  UNION ALL SELECT to_org_id, * FROM ledger_transfers
    WHERE kind = 'transfer' AND to_org_id IS NOT NULL AND to_org_id <> org_id;
INSERT INTO tx_rollups (scope, hour, rail, currency, status, count, amount, amount_micros,
                        fee_micros)
  SELECT scope, created_at - created_at % 3600000, rail, currency, status, COUNT(*), SUM(amount),
         SUM(amount_micros), SUM(fee_micros)
  FROM tx_scoped GROUP BY 1, 2, 3, 4, 5;
INSERT OR IGNORE INTO tx_parties_hourly (scope, hour, role, party)
  SELECT scope, created_at - created_at % 3600000, 'payer', COALESCE(from_agent_id, 'org:' || org_id)
  FROM tx_scoped;
INSERT OR IGNORE INTO tx_parties_hourly (scope, hour, role, party)
  SELECT scope, created_at - created_at % 3600000, 'payee', COALESCE(to_agent_id, to_address)
  FROM tx_scoped WHERE COALESCE(to_agent_id, to_address) IS NOT NULL;
INSERT OR IGNORE INTO tx_parties_daily (scope, day, role, party)
  SELECT scope, created_at - created_at % 86400000, 'payer', COALESCE(from_agent_id, 'org:' || org_id)
  FROM tx_scoped;
INSERT OR IGNORE INTO tx_parties_daily (scope, day, role, party)
  SELECT scope, created_at - created_at % 86400000, 'payee', COALESCE(to_agent_id, to_address)
  FROM tx_scoped WHERE COALESCE(to_agent_id, to_address) IS NOT NULL;
DROP VIEW tx_scoped;
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
