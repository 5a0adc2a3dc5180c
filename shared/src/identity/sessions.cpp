#include "secu/identity/sessions.hpp"

#include <atomic>

#include "internal.hpp"
#include "secu/clock.hpp"
#include "secu/json_input.hpp"
#include "secu/jwt.hpp"
#include "secu/log.hpp"
#include "secu/store/sessions.hpp"

namespace secu::identity {

namespace detail {

std::string hash_token(const Env& env, std::string_view token) {
  return crypto::token_hash(*env.hash_key, token);
}

Error too_many(int64_t retry_after_s) {
  Error e = Error::make(ErrorKind::kRateLimited, "too_many_attempts",
                        "too many attempts; try again in " + std::to_string(retry_after_s) + " s");
  e.extra["retry_after"] = std::to_string(retry_after_s);
  return e;
}

Status check_throttle(const Env& env, RateLimiter Throttles::*limiter, const std::string& key,
                      int64_t now_ms) {
  if (!env.throttles) return {};
  const int64_t wait =
      (env.throttles->*limiter).retry_after_s(key, env.max_attempts, env.window_s * 1000, now_ms);
  if (wait > 0) return too_many(wait);
  return {};
}

void count_attempt(const Env& env, RateLimiter Throttles::*limiter, const std::string& key,
                   int64_t now_ms) {
  if (env.throttles) (env.throttles->*limiter).hit(key, env.window_s * 1000, now_ms);
}

Result<Session> issue_session(store::WriteTx& tx, const Env& env, const store::UserRow& user,
                              const store::OrgRow& org, int64_t now_ms) {
  // Housekeeping now and then: rows of sessions expired a day ago can never authenticate.
  static std::atomic<uint64_t> issued{0};
  if (++issued % 64 == 0) {
    SECU_TRY_VOID(store::delete_sessions_expired_before(tx.db, now_ms - 24 * 3600 * 1000));
  }
  jwt::Claims c;
  c.sub = user.id;
  c.org_id = user.org_id;
  c.role = user.role;
  c.sid = crypto::random_id("ses");
  c.iat = now_ms / 1000;
  c.exp = c.iat + env.jwt_ttl_s;
  store::SessionRow row{c.sid, user.id, user.org_id, now_ms, c.exp * 1000, std::nullopt};
  SECU_TRY_VOID(store::insert_session(tx.db, row));
  Session s;
  s.token = env.jwt_keys ? jwt::sign(*env.jwt_keys->signer, c, env.jwt_keys->kid)
                         : jwt::sign(*env.signing_key, c);
  s.session_id = c.sid;
  s.expires_at = row.expires_at;
  s.user = user;
  s.org = org;
  return s;
}

}  // namespace detail

using namespace detail;

Result<Session> login(const Env& env, const LoginRequest& req, const std::string& request_id) {
  const std::string email = json::normalize_email(req.email);
  const int64_t start = now_ms();
  // Throttles first: a blocked email or address costs no hash at all.
  SECU_TRY_VOID(check_throttle(env, &Throttles::login_by_email, email, start));
  SECU_TRY_VOID(check_throttle(env, &Throttles::login_by_addr, req.client_addr, start));

  std::optional<store::UserRow> user;
  std::optional<store::OrgRow> org;
  SECU_TRY_VOID(env.store->read([&](store::Db& db) -> Status {
    SECU_TRY(user, store::find_user_by_email(db, email));
    if (user) {
      SECU_TRY(org, store::get_org(db, user->org_id));
    }
    return {};
  }));
  // Invariant 2: the same verification work whether or not the email has an account.
  const bool ok = verify_password(env, user ? user->password_hash : std::nullopt, req.password);
  if (!ok || !user || !org) {
    count_attempt(env, &Throttles::login_by_email, email, now_ms());
    count_attempt(env, &Throttles::login_by_addr, req.client_addr, now_ms());
    log::info("login failed", {{"request_id", request_id}, {"remote", req.client_addr}});
    return Error::make(ErrorKind::kUnauthenticated, "invalid_credentials",
                       "invalid email or password");
  }
  if (env.throttles) env.throttles->login_by_email.reset(email);

  Session out;
  SECU_TRY_VOID(env.store->write([&](store::WriteTx& tx) -> Status {
    const int64_t now = now_ms();
    SECU_TRY_VOID(store::set_user_last_login(tx.db, user->id, now));
    user->last_login_at = now;
    SECU_TRY(out, issue_session(tx, env, *user, *org, now));
    audit::Entry e;
    e.org_id = user->org_id;
    e.actor = {"user", user->id};
    e.action = "auth.login";
    e.target = user->id;
    e.details = {{"method", "password"}, {"session_id", out.session_id}};
    e.request_id = request_id;
    return append_audit(tx, e);
  }));
  return out;
}

Status logout(const Env& env, const Caller& caller) {
  if (caller.session_id.empty()) {
    return Error::make(ErrorKind::kInvalid, "not_a_session",
                       "the admin token is not a session; there is nothing to log out");
  }
  return env.store->write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(bool revoked, store::revoke_session(tx.db, caller.session_id, now_ms()));
    if (!revoked) return Error::unauthenticated("the session has been revoked");
    audit::Entry e;
    e.org_id = caller.org_id;
    e.actor = caller.actor;
    e.action = "auth.logout";
    e.target = caller.user_id;
    e.details = {{"session_id", caller.session_id}};
    e.request_id = caller.request_id;
    return append_audit(tx, e);
  });
}

namespace {

// Invariant 1 for claims whose signature and expiry were checked.
Result<Authenticated> authenticate_claims(store::Store& store, const jwt::Claims& claims,
                                          int64_t now) {
  Authenticated a;
  Status found = Error::unauthenticated("invalid or expired token");
  SECU_TRY_VOID(store.read([&](store::Db& db) -> Status {
    SECU_TRY(auto session, store::get_session(db, claims.sid));
    if (!session || session->user_id != claims.sub) {
      found = Error::unauthenticated("the session does not exist");
      return {};
    }
    if (session->revoked_at) {
      found = Error::unauthenticated("the session has been revoked; log in again");
      return {};
    }
    if (session->expires_at <= now) {
      found = Error::unauthenticated("the session has expired; log in again");
      return {};
    }
    SECU_TRY(auto user, store::get_user(db, claims.sub));
    if (!user) {
      found = Error::unauthenticated("the user no longer exists");
      return {};
    }
    auto role = parse_role(user->role);
    if (!role) {
      found = Error::unauthenticated("the user has no valid role");
      return {};
    }
    a.user_id = user->id;
    a.org_id = user->org_id;
    a.session_id = session->id;
    a.role = *role;
    found = {};
    return {};
  }));
  SECU_TRY_VOID(found);
  return a;
}

}  // namespace

Result<Authenticated> authenticate_jwt(store::Store& store, std::string_view public_key,
                                       std::string_view token, int64_t now) {
  SECU_TRY(auto claims, jwt::verify(public_key, token, now / 1000));
  return authenticate_claims(store, claims, now);
}

Result<Authenticated> authenticate_jwt(store::Store& store, const jwt::KeySet& keys,
                                       std::string_view token, int64_t now) {
  SECU_TRY(auto claims, jwt::verify(keys, token, now / 1000));
  return authenticate_claims(store, claims, now);
}

}  // namespace secu::identity
