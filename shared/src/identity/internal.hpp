// Helpers shared by the identity operations (not part of libsecu's contract).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "secu/identity/env.hpp"
#include "secu/identity/sessions.hpp"
#include "secu/identity/throttle.hpp"
#include "secu/store.hpp"

namespace secu::identity::detail {

// The stored form of a bearer secret (crypto::token_hash, as App::token_hash): a presented
// token is found by its keyed hash, and the table never holds the token.
std::string hash_token(const Env& env, std::string_view token);

// Argon2id under env's cost. At most a few hashes run at once (each takes the configured
// memory, 64 MiB by default): the rest wait rather than exhaust memory under a login flood.
Result<std::string> hash_password(const Env& env, std::string_view password);
// Verifies `password` against `hash`, or against a dummy hash of the same cost when there is
// none, so both paths take the same time (sessions.hpp invariant 2). False for the dummy.
bool verify_password(const Env& env, const std::optional<std::string>& hash,
                     std::string_view password);

// Inserts a sessions row for `user` and signs its JWT.
Result<Session> issue_session(store::WriteTx& tx, const Env& env, const store::UserRow& user,
                              const store::OrgRow& org, int64_t now_ms);

// Appends an audit entry in the caller's write job; its failure fails the job (fail closed).
inline Status append_audit(store::WriteTx& tx, const audit::Entry& e) {
  auto r = audit::append(tx, e);
  if (!r.ok()) return r.take_error();
  return {};
}

// 429 "too_many_attempts" with extra retry_after (seconds).
Error too_many(int64_t retry_after_s);
// Fails with too_many() when `key` is over the limit in `limiter` (no-op without throttles).
Status check_throttle(const Env& env, RateLimiter Throttles::*limiter, const std::string& key,
                      int64_t now_ms);
void count_attempt(const Env& env, RateLimiter Throttles::*limiter, const std::string& key,
                   int64_t now_ms);

}  // namespace secu::identity::detail
