// What the identity operations need from their host (secud): the store, keys, settings and the
// mailer, plus who is calling. Built per request from the daemon's App and config snapshot;
// holds pointers to long-lived objects only, so it is cheap to copy.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "secu/audit.hpp"
#include "secu/crypto.hpp"
#include "secu/identity/roles.hpp"
#include "secu/identity/throttle.hpp"
#include "secu/jwt.hpp"
#include "secu/result.hpp"
#include "secu/store.hpp"

namespace secu::identity {

// A plain-text mail. `to` is a validated, normalised address (no CR/LF can reach a header).
struct Mail {
  std::string to;
  std::string subject;
  std::string text;
};
// Sends one mail synchronously; an error when the server refused it or did not answer.
using Mailer = std::function<Status(const Mail&)>;

struct Env {
  store::Store* store = nullptr;
  const crypto::SigningKey* signing_key = nullptr;  // signs JWTs when jwt_keys is not set
  std::shared_ptr<const jwt::KeySet> jwt_keys;      // the rotated key set: signs with its kid
  const crypto::SecretBuffer* hash_key = nullptr;   // keyed hashes of tokens
  const crypto::SecretBuffer* seal_key = nullptr;   // seals stored idempotent answers
  int64_t jwt_ttl_s = 12 * 3600;
  crypto::PasswordCost password_cost;
  // Empty: email disabled — the start operations answer the token instead of mailing it.
  Mailer mailer;
  std::string public_url;   // base of links in mails, e.g. https://secu.example.com
  std::string console_url;  // where callbacks redirect; "" = answer 200 with the token
  std::vector<std::string> redirect_allowlist;  // URL prefixes allowed as redirect_url
  Throttles* throttles = nullptr;               // null: no throttling
  int64_t max_attempts = 10;                    // per email / per address, in the window
  int64_t window_s = 300;

  bool email_enabled() const { return static_cast<bool>(mailer); }
};

// The principal as the identity operations see it.
struct Caller {
  audit::Actor actor;  // for audit entries
  std::string request_id;
  std::string user_id;     // "" for the admin token
  std::string org_id;      // "" for the admin token
  std::string session_id;  // "" for the admin token
  Role role = Role::kViewer;

  bool platform_admin() const { return role == Role::kPlatformAdmin; }
  bool is_user() const { return !user_id.empty(); }
};

}  // namespace secu::identity
