// Console session tokens: compact JWS (RFC 7515) with EdDSA over Ed25519 (RFC 8037).
//
// The header is exactly {"alg":"EdDSA","typ":"JWT"} (signed with the data dir's signing.key,
// before any rotation) or {"alg":"EdDSA","kid":"<kid>","typ":"JWT"} (a key made by rotation; kid
// is [a-z0-9_], 1..64 characters). verify() is strict on purpose — the
// classic JWT failures are a verifier that trusts the token's own `alg` ("none", or HS256
// keyed with the public key) — so anything but that header is rejected before the signature
// is even looked at. A valid signature and an unexpired `exp` prove only that secud issued the
// token; whether its session is still live (not logged out) is the caller's check
// (identity::authenticate_jwt), because a JWT alone cannot be revoked.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "secu/crypto.hpp"
#include "secu/result.hpp"

namespace secu::jwt {

constexpr std::string_view kIssuer = "secu";
// Tokens longer than this are rejected unparsed (ours are ~400 bytes).
constexpr size_t kMaxTokenBytes = 4096;

struct Claims {
  std::string iss{kIssuer};
  std::string sub;     // user id
  std::string org_id;  // the user's org
  std::string role;    // role at issue time (informational: access uses the current role)
  std::string sid;     // session id: one sessions row per token
  int64_t iat = 0;     // seconds since the epoch
  int64_t exp = 0;     // seconds since the epoch
};

// Signs the claims into "header.payload.signature" (base64url, no padding); a non-empty `kid`
// goes into the header (it must be a valid kid: see above).
std::string sign(const crypto::SigningKey& key, const Claims& claims, std::string_view kid = {});

// The keys console JWTs are signed and verified with (rotation: POST /v1/admin/rotate-jwt-key).
// Immutable once built; the daemon swaps the whole set on rotation.
struct KeySet {
  struct Verifier {
    std::string public_key;
    // Retired keys only: they verify tokens issued up to retired_s, until verify_until_s (when
    // the last token they signed has expired). Active key: both 0 (no limit but exp).
    int64_t retired_s = 0;
    int64_t verify_until_s = 0;
  };
  std::string kid;                                   // of `signer`; "" = signing.key
  std::shared_ptr<const crypto::SigningKey> signer;  // signs new tokens
  std::map<std::string, Verifier> verifiers;         // by kid, the signer's included
};

// Verifies with the key the header's kid names (no kid: kid ""); an unknown kid, or a retired
// key past its verify_until or on a token issued after its retirement, is 401.
Result<Claims> verify(const KeySet& keys, std::string_view token, int64_t now_s);

// Checks, in order: shape (three base64url parts, canonical encoding), header exactly EdDSA/JWT,
// the Ed25519 signature under `public_key`, the claims' types, iss == "secu", and
// iat - 60 s <= now_s < exp. Every failure is kUnauthenticated with a message that says which
// (none of them reveals anything secret).
// The same with one key, for tokens without a kid.
Result<Claims> verify(std::string_view public_key, std::string_view token, int64_t now_s);
// True for a kid secud may issue ([a-z0-9_], 1..64 characters).
bool valid_kid(std::string_view kid);

}  // namespace secu::jwt
