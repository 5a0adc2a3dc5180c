// OIDC single sign-on: the parts of the flow that touch Secu's own state. The network and the
// ID-token signature (discovery, JWKS, the token endpoint, OpenSSL) live in secud's
// integrations/oidc_*; this header holds what is decided against the database:
//
//  1. begin: a sign-in attempt gets a random state, nonce and PKCE code_verifier (32 bytes
//     each). Only keyed hashes of state and nonce are stored; the verifier is sealed under the
//     seal key, bound to the state hash. Attempts expire after 10 minutes.
//  2. consume: the callback's state is looked up by its hash and marked used in the same
//     statement, so an attempt completes at most once, even under concurrent callbacks.
//  3. complete: the verified identity (email, email_verified) becomes a session. The email
//     must be verified by the IdP and, when an allow-list is set, in an allowed domain. A new
//     email becomes a user of the SSO org with the default role (no password: SSO-only); an
//     existing user must belong to the SSO org — the IdP vouches for people of that org only.
//     The session is issued as login issues it (same JWT, same sessions row).
//
// Every outcome appends one audit entry: complete_oidc_login writes "auth.oidc.login" with the
// session; whoever drives the flow calls audit_oidc_failure ("auth.oidc.fail") for any error
// on the way, so failed attempts are visible to the SSO org's auditors.
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "secu/identity/email_links.hpp"
#include "secu/identity/env.hpp"

namespace secu::identity {

constexpr int64_t kOidcStateTtlMs = 10 * 60 * 1000;

// What the operator configured (secud's --oidc-* options), resolved for one request.
struct OidcSettings {
  std::string issuer;
  std::string org_id;                        // the org SSO users join
  Role default_role = Role::kMember;         // the role of users SSO creates
  std::vector<std::string> allowed_domains;  // lowercase; empty = any domain
};

// A new sign-in attempt; the plain values go to the IdP in the authorization request.
struct OidcAttempt {
  std::string state;
  std::string nonce;
  std::string code_challenge;  // S256 of the code_verifier (base64url)
};

// 400 when redirect_url is neither allow-listed (as for magic links) nor a loopback URL
// (http://127.0.0.1:PORT/… or http://[::1]:PORT/…, RFC 8252 §7.3: what secuctl listens on).
Status check_oidc_redirect(const Env& env, const std::optional<std::string>& redirect_url);
// Checks redirect_url as above and stores a new attempt. 429 "too_many_attempts" when
// `client_addr` started more than kOidcStartsPerAttempt × env.max_attempts sign-ins in the
// throttling window (each start writes a row; a person needs a handful).
constexpr int64_t kOidcStartsPerAttempt = 6;
Result<OidcAttempt> begin_oidc_login(const Env& env, const std::string& redirect_uri,
                                     const std::optional<std::string>& redirect_url,
                                     const std::string& client_addr);

// A consumed attempt: what the callback needs to finish it.
struct OidcPending {
  std::string code_verifier;
  std::string nonce_hash;
  std::string redirect_uri;
  std::optional<std::string> redirect_url;
};
// 400 "invalid_state" for an unknown, used or expired state; 429 "too_many_attempts" when
// `client_addr` has had env.max_attempts failed logins (password or SSO) in the window.
Result<OidcPending> consume_oidc_state(const Env& env, const std::string& state,
                                       const std::string& client_addr);

// True when `nonce` (the ID token's claim) is the nonce of `pending` (constant-time).
bool oidc_nonce_matches(const Env& env, const OidcPending& pending, const std::string& nonce);

// The person the IdP vouched for (after the ID token was verified).
struct OidcIdentity {
  std::string subject;  // the ID token's sub
  std::string email;    // as the IdP gave it; normalised here
  std::optional<bool> email_verified;
};

// 403 "email_not_verified" / "domain_not_allowed" / "sso_user_other_org" / "sso_email_missing",
// 400 "oidc_not_configured" when the SSO org does not exist. Audits the success only.
Result<Redeemed> complete_oidc_login(const Env& env, const OidcSettings& settings,
                                     const OidcIdentity& who, const OidcPending& pending,
                                     const std::string& request_id);

// Appends "auth.oidc.fail" {reason: e.code, message} for a failed callback or start, in the SSO
// org ("" when there is none). Best effort for the caller: the error it returns is the one to
// answer; a failure to audit is logged. A non-empty `failed_login_addr` also counts a failed
// login of that address (callbacks; not a 429, which is the brake itself).
void audit_oidc_failure(const Env& env, const std::string& org_id, const Error& e,
                        const std::string& request_id, const std::string& failed_login_addr = {});

// True for http://127.0.0.1:PORT[/…] and http://[::1]:PORT[/…] (no userinfo, no fragment).
bool is_loopback_redirect(std::string_view url);

}  // namespace secu::identity
