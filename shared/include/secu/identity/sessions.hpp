// Console sessions: password login, the JWT that proves one, its check on every request, and
// logout.
//
// Invariants:
//  1. One sessions row per issued JWT (sid); a JWT authenticates only while that row exists,
//     is not revoked and has not expired, and while its user exists. The role a request gets
//     is the user's role NOW, not the one in the token: a demotion applies at once.
//  2. A wrong password and an unknown email answer the same 401 after the same work (an
//     Argon2id verification against a dummy hash), so neither the answer nor its timing says
//     whether an email has an account.
//  3. A login counts against the throttles only when it fails; a success clears its email's
//     count (not its address's, so one good account cannot launder an address's failures).
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "secu/identity/env.hpp"
#include "secu/jwt.hpp"
#include "secu/store/orgs.hpp"
#include "secu/store/users.hpp"

namespace secu::identity {

// A session just issued: the JWT and who it is for.
struct Session {
  std::string token;       // the JWT
  std::string session_id;  // its sid
  int64_t expires_at = 0;  // ms
  store::UserRow user;
  store::OrgRow org;
};

struct LoginRequest {
  std::string email;  // as given; normalised here
  std::string password;
  std::string client_addr;
};

// 200-path: a new session. 401 "invalid_credentials" for a wrong password or unknown email;
// 429 "too_many_attempts" (Error::extra["retry_after"] = seconds) when throttled.
Result<Session> login(const Env& env, const LoginRequest& req, const std::string& request_id);

// Revokes the caller's session (400 "not_a_session" for the admin token).
Status logout(const Env& env, const Caller& caller);

// Who a bearer JWT names, checked against its session and user (invariant 1).
struct Authenticated {
  std::string user_id;
  std::string org_id;
  std::string session_id;
  Role role = Role::kViewer;
};
Result<Authenticated> authenticate_jwt(store::Store& store, std::string_view public_key,
                                       std::string_view token, int64_t now_ms);
// The same with the rotated key set: the token's kid picks the key (secu/jwt.hpp).
Result<Authenticated> authenticate_jwt(store::Store& store, const jwt::KeySet& keys,
                                       std::string_view token, int64_t now_ms);

}  // namespace secu::identity
