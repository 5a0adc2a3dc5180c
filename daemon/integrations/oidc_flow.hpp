// OIDC sign-in, start to finish: what /v1/auth/oidc/start and /callback call. Ties together
// the network (oidc_client), the ID-token check (oidc_idtoken) and Secu's state
// (secu/identity/oidc.hpp). With SSO configured, every failed sign-in is audited
// ("auth.oidc.fail" in the SSO org) before it is returned — but not a bad redirect_url at start
// (the caller's input error) — and no session exists unless every check passed.
// Thread-safety: every function may be called from any thread.
#pragma once

#include <optional>
#include <string>

#include "secu/identity/email_links.hpp"
#include "secu/identity/env.hpp"

namespace secu::daemon {

struct Config;

// The --oidc-* options of one config snapshot.
struct OidcOptions {
  std::string issuer;
  std::string client_id;
  std::string client_secret_file;                         // "" = a public client (PKCE alone)
  std::string token_auth_method = "client_secret_basic";  // or client_secret_post
  std::string redirect_uri;  // --oidc-redirect-url, else <public url>/v1/auth/oidc/callback
  std::string org_id;
  std::string default_role = "member";
  std::string allowed_domains;  // comma-separated

  // Issuer, client id and org are set.
  bool enabled() const { return !issuer.empty() && !client_id.empty() && !org_id.empty(); }
};
OidcOptions oidc_options(const Config& cfg, const std::string& public_url);

// The authorization URL to send the browser to. 400 "oidc_not_configured", 400 for a
// redirect_url that is not allowed, 502 "idp_unavailable".
Result<std::string> oidc_start(const identity::Env& env, const OidcOptions& o,
                               const std::optional<std::string>& redirect_url,
                               const std::string& client_addr, const std::string& request_id);

// The query of the callback.
struct OidcCallback {
  std::string code;
  std::string state;
  std::string error;               // the IdP's error (access_denied…)
  std::optional<std::string> iss;  // RFC 9207 issuer identification, when the IdP sends it
};
// The session (and where to send the browser). 400 "invalid_state", 401 "oidc_denied" /
// "oidc_code_rejected" / "invalid_id_token", 403 (see identity::complete_oidc_login), 502
// "idp_unavailable".
Result<identity::Redeemed> oidc_finish(const identity::Env& env, const OidcOptions& o,
                                       const OidcCallback& cb, const std::string& client_addr,
                                       const std::string& request_id);

}  // namespace secu::daemon
