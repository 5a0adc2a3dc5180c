// The oidc_states table: one row per OIDC sign-in attempt, from /v1/auth/oidc/start to its
// callback. Only keyed hashes of the state and nonce are stored; the PKCE code_verifier is
// sealed. A row is used at most once and only before it expires.
// Thread-safety: as Db. Writes only inside Store::write jobs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "secu/db.hpp"

namespace secu::store {

struct OidcStateRow {
  std::string state_hash;       // "b2:" + hex, never the state
  std::string nonce_hash;       // "b2:" + hex, never the nonce
  std::string verifier_sealed;  // base64url of crypto::seal(code_verifier, ad = state_hash)
  std::string redirect_uri;     // the redirect_uri sent to the IdP (the token request repeats it)
  std::optional<std::string> redirect_url;  // where the browser goes after the callback
  int64_t created_at = 0;                   // ms
  int64_t expires_at = 0;                   // ms
  std::optional<int64_t> used_at;
};

Status insert_oidc_state(Db& db, const OidcStateRow& row);
// Marks the state used and returns its row, in one statement, when it is unused and unexpired
// at `now_ms`; nullopt otherwise (unknown, used or expired). Single use holds under
// concurrency because only the writer runs it and the UPDATE is conditional.
Result<std::optional<OidcStateRow>> consume_oidc_state(Db& db, const std::string& state_hash,
                                                       int64_t now_ms);
// Deletes states that expired before `before_ms` (housekeeping).
Status delete_oidc_states_expired_before(Db& db, int64_t before_ms);

}  // namespace secu::store
