// Verification of OIDC ID tokens (JWS compact form) against the IdP's JWKS, with OpenSSL 3.
//
// Accepted: RS256 (RSA ≥ 2048 bits, from JWK n/e) and ES256 (P-256, from JWK x/y; the JWS
// signature is the raw r‖s pair and is converted to DER for EVP_DigestVerify). Refused
// outright: "none" and every HMAC alg (HS*) — an HMAC "signed" with the public key is the
// classic confusion attack — and any other alg, a `crit` header, or a JWK whose kty, crv or alg
// disagree with the header.
// Claims (OIDC Core §3.1.3.7): iss equals the issuer; aud is the client id or a list holding it
// (a list of several needs azp = client id); exp in the future and iat not in the future (both
// with `leeway_s`); nbf honoured when present; sub present. The nonce is checked by the caller
// (it is stored hashed: secu/identity/oidc.hpp).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "secu/result.hpp"

namespace secu::daemon::oidc {

struct IdTokenCheck {
  std::string issuer;
  std::string client_id;
  int64_t now_s = 0;
  int64_t leeway_s = 60;
};

// The decoded JOSE header of a compact JWS; 401 invalid_id_token when malformed.
Result<nlohmann::json> id_token_header(std::string_view token);

// True when `jwks` ({"keys":[…]}) holds a key the header names (its kid, or for a header
// without kid, a single key of the right type).
bool jwks_has_key_for(const nlohmann::json& jwks, const nlohmann::json& header);

// The verified claims; 401 "invalid_id_token" with a message saying what failed.
Result<nlohmann::json> verify_id_token(std::string_view token, const nlohmann::json& jwks,
                                       const IdTokenCheck& check);

}  // namespace secu::daemon::oidc
