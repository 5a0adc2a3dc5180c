// Orgs and users: self-serve signup, the current principal, and the scoped lists and creates
// of the admin API. Every change appends its audit entry in the same write job (fail closed).
//
// Scoping (DESIGN.md "scoped by principal"): the platform admin sees every org and may name
// one; any other caller sees only its own org, and naming another org's id answers 404 — the
// same answer as an id that does not exist, so ids of other tenants cannot be probed.
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "secu/identity/env.hpp"
#include "secu/paging.hpp"
#include "secu/store/orgs.hpp"
#include "secu/store/users.hpp"

namespace secu::identity {

constexpr size_t kMinPasswordChars = 10;
constexpr size_t kMaxPasswordBytes = 1024;

struct SignupRequest {
  std::string email;
  std::string password;
  std::optional<std::string> org_name;
  std::optional<int64_t> daily_budget_micros;
  std::optional<std::string> network;
  std::optional<bool> create_wallet;
  std::optional<std::string> stripe_email;
  std::optional<std::string> redirect_url;  // where the verification link lands
  std::optional<std::string> idempotency_key;
  // The request body in canonical form (sorted keys), fingerprinted for idempotency.
  std::string canonical_body;
  std::string client_addr;
};

struct SignupResult {
  nlohmann::json body;    // {token, expires_at, user, org, verification_token?, wallet?}
  bool replayed = false;  // the answer of an earlier request with the same idempotency key
};

// Creates the org, its owner and a session. 400 with field for weak input, 409 "email_taken",
// 409 "idempotency_conflict" (same key, other body).
Result<SignupResult> signup(const Env& env, const SignupRequest& req,
                            const std::string& request_id);

// {"type": "admin"|"user", "role", "user"?, "org"?}
Result<nlohmann::json> me(const Env& env, const Caller& caller);

struct OrgPage {
  std::vector<store::OrgRow> orgs;
  std::string next_cursor;  // "" on the last page
};
Result<OrgPage> list_orgs(const Env& env, const Caller& caller, const PageRequest& page);
// Platform admin only (403 otherwise).
Result<store::OrgRow> create_org(const Env& env, const Caller& caller, const std::string& name);

// One org by id: the platform admin's any, anyone else's only their own (404 otherwise).
Result<store::OrgRow> get_org(const Env& env, const Caller& caller, const std::string& id);

struct UserPage {
  std::vector<store::UserRow> users;
  std::string next_cursor;
};
Result<UserPage> list_users(const Env& env, const Caller& caller,
                            const std::optional<std::string>& org_id, const PageRequest& page);

// One user by id, within the caller's scope (404 otherwise).
Result<store::UserRow> get_user(const Env& env, const Caller& caller, const std::string& id);

struct CreateUserRequest {
  std::optional<std::string> org_id;
  std::string email;
  std::string password;
  std::optional<std::string> role;  // default "member"
};
// By an admin or owner of the org, or the platform admin; never a role above the creator's.
Result<store::UserRow> create_user(const Env& env, const Caller& caller,
                                   const CreateUserRequest& req);

// The org a read is scoped to: "" = every org (platform admin without org_id), else an org
// that exists and the caller may see (404 otherwise).
Result<std::string> read_scope(store::Db& db, const Caller& caller,
                               const std::optional<std::string>& org_id);

// Shared input checks: 400 with `field` when they fail.
Status check_email(const std::string& normalized, const std::string& field);
Status check_password(const std::string& password, const std::string& field = "password");

}  // namespace secu::identity
