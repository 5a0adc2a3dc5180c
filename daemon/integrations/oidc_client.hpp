// The network side of OIDC: discovery, the JWKS, the token endpoint and userinfo, over
// cpp-httplib (with OpenSSL, so https issuers work; certificates are verified against the
// system's CAs).
//
// Caches (process-wide, keyed by issuer; a SIGHUP'd issuer simply gets its own entry):
//  - the discovery document lives 1 hour; when a refresh fails, a document younger than a day
//    is served instead (an IdP blip does not stop sign-ins);
//  - the JWKS lives 1 hour and is fetched again at once for a kid it does not hold (key
//    rotation), at most once every 10 seconds per issuer (a flood of tokens with made-up kids
//    cannot turn secud into a JWKS-fetching amplifier).
// Every response body is capped at 1 MiB; every call has a 5 s connect and 10 s read timeout.
// Errors: 502 "idp_unavailable" when the IdP cannot be reached or answers garbage.
// Thread-safety: every function may be called from any thread (the caches lock).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "secu/result.hpp"

namespace secu::daemon::oidc {

struct Discovery {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string userinfo_endpoint;  // may be ""
  std::string jwks_uri;
};

// <issuer>/.well-known/openid-configuration, checked: its issuer equals `issuer` exactly
// (OIDC Discovery §4.3) and its endpoints are https (or http when the issuer itself is).
Result<Discovery> discover(const std::string& issuer);

// The JWKS of `d`; `refresh` fetches it again (subject to the 10-second limit above).
Result<nlohmann::json> jwks(const Discovery& d, bool refresh);

struct TokenRequest {
  std::string client_id;
  std::optional<std::string> client_secret;  // none: a public client (PKCE alone)
  bool secret_in_body = false;               // client_secret_post, else client_secret_basic
  std::string code;
  std::string code_verifier;
  std::string redirect_uri;
};
struct TokenResponse {
  std::string id_token;
  std::string access_token;
};
// POST to the token endpoint (authorization_code grant). 401 "oidc_code_rejected" when the IdP
// refuses the code (4xx: used, expired, wrong verifier…), 502 "idp_unavailable" otherwise.
Result<TokenResponse> exchange_code(const Discovery& d, const TokenRequest& req);

// GET userinfo with the access token: the claims object.
Result<nlohmann::json> userinfo(const Discovery& d, const std::string& access_token);

// application/x-www-form-urlencoded component encoding (exposed for the authorization URL).
std::string form_encode(std::string_view s);

}  // namespace secu::daemon::oidc
