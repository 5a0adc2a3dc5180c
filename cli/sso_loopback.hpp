// `secuctl login --sso`: single sign-on through the browser, with the session handed back to
// secuctl over a loopback listener (RFC 8252 §7.3).
//
// The flow: secuctl listens on 127.0.0.1 (a free port) under a random path, and prints (and
// opens, when it can) secud's /v1/auth/oidc/start?redirect_url=http://127.0.0.1:PORT/sso/<rnd>.
// The person signs in at the IdP; the IdP returns to secud's own callback (the redirect URI
// registered there, unchanged); secud finishes the sign-in and sends the browser to the
// loopback URL with the JWT in the fragment, as it does for the console. A fragment never
// reaches a server, so the loopback page is a few lines of script that post it to
// /sso/<rnd>/token on the same loopback origin. secuctl then checks the token with
// /v1/auth/me before storing it.
// The random path keeps other local pages from feeding secuctl a token of their choosing.
#pragma once

#include <string>

#include "deps.hpp"
#include "secu/result.hpp"

namespace secu::cli {

struct SsoLoginOptions {
  bool open_browser = true;
  int timeout_s = 300;
};

// The session token, once the browser has brought it back. 400 when SSO is not configured on
// secud, 504-class "sso_timeout" when nothing came back in time.
Result<std::string> sso_login(const SsoLoginOptions& o, Deps& d);

}  // namespace secu::cli
