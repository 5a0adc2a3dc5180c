// Console session tokens: compact JWS (RFC 7515) with EdDSA over Ed25519 (RFC 8037).
//
// The header is exactly {"alg":"EdDSA","typ":"JWT"}. verify() is strict on purpose — the
// classic JWT failures are a verifier that trusts the token's own `alg` ("none", or HS256
// keyed with the public key) — so anything but that header is rejected before the signature
// is even looked at. A valid signature and an unexpired `exp` prove only that secud issued the
// token; whether its session is still live (not logged out) is the caller's check
// (identity::authenticate_jwt), because a JWT alone cannot be revoked.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
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

// Signs the claims into "header.payload.signature" (base64url, no padding).
std::string sign(const crypto::SigningKey& key, const Claims& claims);

// Checks, in order: shape (three base64url parts, canonical encoding), header exactly EdDSA/JWT,
// the Ed25519 signature under `public_key`, the claims' types, iss == "secu", and
// iat - 60 s <= now_s < exp. Every failure is kUnauthenticated with a message that says which
// (none of them reveals anything secret).
Result<Claims> verify(std::string_view public_key, std::string_view token, int64_t now_s);

}  // namespace secu::jwt
