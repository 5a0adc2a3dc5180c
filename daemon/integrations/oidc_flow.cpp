#include "integrations/oidc_flow.hpp"

#include "integrations/oidc_client.hpp"
#include "integrations/oidc_idtoken.hpp"
#include "secu/clock.hpp"
#include "secu/files.hpp"
#include "secu/identity/oidc.hpp"
#include "secu/identity/redirects.hpp"
#include "server/config.hpp"

namespace secu::daemon {

namespace {

Error not_configured() {
  return Error::make(ErrorKind::kInvalid, "oidc_not_configured",
                     "single sign-on is not configured on this server (--oidc-issuer, "
                     "--oidc-client-id, --oidc-org)");
}

identity::OidcSettings settings_of(const OidcOptions& o) {
  identity::OidcSettings s;
  s.issuer = o.issuer;
  s.org_id = o.org_id;
  s.default_role = identity::parse_role(o.default_role).value_or(identity::Role::kMember);
  for (auto d : identity::parse_allowlist(o.allowed_domains)) {
    for (auto& ch : d)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!d.empty() && d.front() == '@') d.erase(0, 1);
    s.allowed_domains.push_back(std::move(d));
  }
  return s;
}

// The client secret, read at each use (rotation needs no restart; not in the config snapshot).
Result<std::optional<std::string>> client_secret(const OidcOptions& o) {
  if (o.client_secret_file.empty()) return std::optional<std::string>();
  auto text = files::read_all(o.client_secret_file);
  if (!text.ok()) {
    return Error::make(ErrorKind::kInvalid, "oidc_not_configured",
                       "the OIDC client secret file cannot be read");
  }
  std::string s = std::move(*text);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  if (s.empty()) {
    return Error::make(ErrorKind::kInvalid, "oidc_not_configured",
                       "the OIDC client secret file is empty");
  }
  return std::optional<std::string>(std::move(s));
}

// Failures are audited except where the log would gain nothing or could be flooded: a server
// without SSO has no org to audit to (and anonymous calls must not write the platform's log),
// and a 429 is the brake on a flood, which must not write an entry per request.
bool worth_auditing(const OidcOptions& o, const Error& e) {
  return o.enabled() && e.kind != ErrorKind::kRateLimited;
}

std::string str_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<bool> verified_of(const nlohmann::json& j) {
  auto it = j.find("email_verified");
  if (it == j.end()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>();
  // Some IdPs send the string "true".
  if (it->is_string()) return it->get<std::string>() == "true";
  return false;
}

// Everything after the state was consumed; errors are audited by the caller.
Result<identity::Redeemed> finish_consumed(const identity::Env& env, const OidcOptions& o,
                                           const OidcCallback& cb,
                                           const identity::OidcPending& pending,
                                           const std::string& request_id) {
  if (!cb.error.empty()) {
    std::string code = cb.error.substr(0, 64);
    for (auto& ch : code)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') ch = '_';
    return Error::make(ErrorKind::kUnauthenticated, "oidc_denied",
                       "the identity provider refused the sign-in (" + code + ")");
  }
  // RFC 9207: a response naming another issuer is a mix-up attack.
  if (cb.iss && *cb.iss != o.issuer) {
    return Error::make(ErrorKind::kUnauthenticated, "oidc_denied",
                       "the authorization response came from another issuer");
  }
  if (cb.code.empty() || cb.code.size() > 4096) {
    return Error::invalid("the callback carries no authorization code", "code");
  }
  SECU_TRY(auto d, oidc::discover(o.issuer));
  SECU_TRY(auto secret, client_secret(o));
  oidc::TokenRequest tr;
  tr.client_id = o.client_id;
  tr.client_secret = secret;
  tr.secret_in_body = o.token_auth_method == "client_secret_post";
  tr.code = cb.code;
  tr.code_verifier = pending.code_verifier;
  tr.redirect_uri = pending.redirect_uri;
  SECU_TRY(auto tokens, oidc::exchange_code(d, tr));

  SECU_TRY(auto header, oidc::id_token_header(tokens.id_token));
  SECU_TRY(auto keys, oidc::jwks(d, false));
  if (!oidc::jwks_has_key_for(keys, header)) {
    // Maybe the IdP rotated its keys since we fetched them.
    SECU_TRY(keys, oidc::jwks(d, true));
  }
  oidc::IdTokenCheck check;
  check.issuer = o.issuer;
  check.client_id = o.client_id;
  check.now_s = now_ms() / 1000;
  SECU_TRY(auto claims, oidc::verify_id_token(tokens.id_token, keys, check));
  if (!identity::oidc_nonce_matches(env, pending, str_of(claims, "nonce"))) {
    return Error::make(ErrorKind::kUnauthenticated, "invalid_id_token",
                       "the ID token was refused: its nonce is not the one of this sign-in");
  }

  identity::OidcIdentity who;
  who.subject = str_of(claims, "sub");
  who.email = str_of(claims, "email");
  who.email_verified = verified_of(claims);
  if (who.email.empty()) {
    // Many IdPs put the email only in userinfo (OIDC Core §5.4 with a code flow).
    SECU_TRY(auto info, oidc::userinfo(d, tokens.access_token));
    // OIDC Core §5.3.2: userinfo about anyone else must not be used.
    if (!info.empty() && str_of(info, "sub") != who.subject) {
      return Error::make(ErrorKind::kUnauthenticated, "invalid_id_token",
                         "userinfo describes another subject than the ID token");
    }
    who.email = str_of(info, "email");
    who.email_verified = verified_of(info);
  }
  return identity::complete_oidc_login(env, settings_of(o), who, pending, request_id);
}

}  // namespace

OidcOptions oidc_options(const Config& cfg, const std::string& public_url) {
  OidcOptions o;
  o.issuer = cfg.oidc_issuer;
  o.client_id = cfg.oidc_client_id;
  o.client_secret_file = cfg.oidc_client_secret_file;
  o.token_auth_method = cfg.oidc_token_auth_method;
  o.org_id = cfg.oidc_org;
  o.default_role = cfg.oidc_default_role;
  o.allowed_domains = cfg.oidc_allowed_domains;
  if (!cfg.oidc_redirect_url.empty()) {
    o.redirect_uri = cfg.oidc_redirect_url;
  } else {
    std::string base = public_url;
    while (!base.empty() && base.back() == '/')
      base.pop_back();
    o.redirect_uri = base + "/v1/auth/oidc/callback";
  }
  return o;
}

Result<std::string> oidc_start(const identity::Env& env, const OidcOptions& o,
                               const std::optional<std::string>& redirect_url,
                               const std::string& client_addr, const std::string& request_id) {
  auto run = [&]() -> Result<std::string> {
    if (!o.enabled()) return not_configured();
    // The caller's input first: a bad redirect_url is a 400 whatever the IdP's state.
    SECU_TRY_VOID(identity::check_oidc_redirect(env, redirect_url));
    SECU_TRY(auto d, oidc::discover(o.issuer));
    SECU_TRY(auto a, identity::begin_oidc_login(env, o.redirect_uri, redirect_url, client_addr));
    using oidc::form_encode;
    std::string url = d.authorization_endpoint;
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += "response_type=code&client_id=" + form_encode(o.client_id) +
           "&redirect_uri=" + form_encode(o.redirect_uri) + "&scope=openid%20email" +
           "&state=" + form_encode(a.state) + "&nonce=" + form_encode(a.nonce) +
           "&code_challenge=" + form_encode(a.code_challenge) + "&code_challenge_method=S256";
    return url;
  };
  auto r = run();
  // A bad redirect_url (field set) is the caller's input error, not a failed sign-in.
  if (!r.ok() && r.error().field.empty() && worth_auditing(o, r.error())) {
    identity::audit_oidc_failure(env, o.org_id, r.error(), request_id);
  }
  return r;
}

Result<identity::Redeemed> oidc_finish(const identity::Env& env, const OidcOptions& o,
                                       const OidcCallback& cb, const std::string& client_addr,
                                       const std::string& request_id) {
  auto run = [&]() -> Result<identity::Redeemed> {
    if (!o.enabled()) return not_configured();
    // The state first, whatever else the callback says: it is spent either way, so a callback
    // cannot be replayed (and an error response ends the attempt).
    SECU_TRY(auto pending, identity::consume_oidc_state(env, cb.state, client_addr));
    return finish_consumed(env, o, cb, pending, request_id);
  };
  auto r = run();
  if (!r.ok() && worth_auditing(o, r.error())) {
    identity::audit_oidc_failure(env, o.org_id, r.error(), request_id, client_addr);
  }
  return r;
}

}  // namespace secu::daemon
