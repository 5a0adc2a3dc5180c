// Rotation of the platform-level credentials: the admin token and the console JWT signing key.
// (Vendor api keys and agent keys rotate in secu/governance.hpp, with their resources.)
//
// Each rotation is one write job with its audit entry, so it happens and is recorded together
// or not at all. Neither the new token nor any key material reaches the audit entry: the admin
// token is returned once and only its keyed hash is stored; a JWT key's seed is stored sealed.
// The daemon keeps the live values in memory and swaps them after the commit, so the request
// after a rotation already sees it.
// Thread-safety: pure functions over the WriteTx / Db they are given.
#pragma once

#include <memory>
#include <string>

#include "secu/audit.hpp"
#include "secu/crypto.hpp"
#include "secu/jwt.hpp"
#include "secu/store.hpp"

namespace secu::rotation {

constexpr std::string_view kAdminTokenPrefix = "secu_admin_";
constexpr const char* kAdminTokenMetaKey = "admin_token_hash";

// A fresh admin token ("secu_admin_" + 32 random bytes) and its keyed hash.
struct AdminToken {
  std::string token;  // shown once
  std::string hash;
};
AdminToken make_admin_token(const crypto::SecretBuffer& hash_key);

// Replaces the stored admin token hash by a new token's; the old token stops working as soon as
// the caller swaps the hash it checks against. Audited as "admin.rotate_token".
Result<AdminToken> rotate_admin_token(store::WriteTx& tx, const crypto::SecretBuffer& hash_key,
                                      const audit::Entry& base);

// The JWT key set: the keys rotation made (jwt_signing_keys) plus the data dir's signing.key
// (kid ""), which signs until the first rotation and then verifies its tokens until they expire.
Result<std::shared_ptr<const jwt::KeySet>> load_jwt_keys(store::Db& db,
                                                         const crypto::SigningKey& legacy,
                                                         const crypto::SecretBuffer& seal_key);

struct JwtRotation {
  std::string kid;                          // the new signing key
  std::string retired_kid;                  // the key it replaced ("" = signing.key)
  int64_t retired_valid_until_ms = 0;       // tokens of the retired key are refused from then on
  std::shared_ptr<const jwt::KeySet> keys;  // the set after the rotation
};
// Makes a new Ed25519 key for console JWTs and retires the current one: tokens it signed stay
// valid until their own expiry (at most session_ttl_s after now), new tokens use the new key.
// The audit checkpoints keep signing with signing.key (its public key is what offline verifiers
// hold), so this rotation does not touch them. Audited as "admin.rotate_jwt_key".
Result<JwtRotation> rotate_jwt_key(store::WriteTx& tx, const crypto::SigningKey& legacy,
                                   const crypto::SecretBuffer& seal_key, int64_t session_ttl_s,
                                   const audit::Entry& base);

}  // namespace secu::rotation
