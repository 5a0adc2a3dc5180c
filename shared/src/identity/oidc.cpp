#include "secu/identity/oidc.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>

#include "internal.hpp"
#include "secu/clock.hpp"
#include "secu/identity/redirects.hpp"
#include "secu/json_input.hpp"
#include "secu/log.hpp"
#include "secu/store/oidc_states.hpp"
#include "secu/store/orgs.hpp"
#include "secu/store/users.hpp"

namespace secu::identity {

using namespace detail;

namespace {

Error invalid_state() {
  return Error::make(ErrorKind::kInvalid, "invalid_state",
                     "this sign-in attempt is unknown, expired or completed already; start again");
}

// The domain of a normalised email ("a@b.example" → "b.example").
std::string domain_of(const std::string& email) {
  const auto at = email.rfind('@');
  return at == std::string::npos ? std::string() : email.substr(at + 1);
}

bool domain_allowed(const OidcSettings& s, const std::string& email) {
  if (s.allowed_domains.empty()) return true;
  const std::string d = domain_of(email);
  return std::any_of(s.allowed_domains.begin(), s.allowed_domains.end(),
                     [&](const std::string& allowed) { return d == allowed; });
}

audit::Entry oidc_entry(const std::string& org_id, const std::string& action,
                        const std::string& request_id) {
  audit::Entry e;
  e.org_id = org_id;
  e.action = action;
  e.request_id = request_id;
  return e;
}

}  // namespace

bool is_loopback_redirect(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://127.0.0.1:")) {
    rest = url.substr(17);
  } else if (url.starts_with("http://[::1]:")) {
    rest = url.substr(13);
  } else {
    return false;
  }
  if (url.size() > 2048) return false;
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '\\' || c == '#' || c == '@') return false;
  }
  // A port, then the end or a path/query.
  size_t digits = 0;
  while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits])))
    ++digits;
  if (digits == 0 || digits > 5) return false;
  return digits == rest.size() || rest[digits] == '/' || rest[digits] == '?';
}

Status check_oidc_redirect(const Env& env, const std::optional<std::string>& redirect_url) {
  if (redirect_url && !is_loopback_redirect(*redirect_url) &&
      !redirect_allowed(*redirect_url, env.redirect_allowlist, env.console_url)) {
    return Error::invalid("redirect_url is not on the redirect allow-list", "redirect_url");
  }
  return {};
}

Result<OidcAttempt> begin_oidc_login(const Env& env, const std::string& redirect_uri,
                                     const std::optional<std::string>& redirect_url,
                                     const std::string& client_addr) {
  SECU_TRY_VOID(check_oidc_redirect(env, redirect_url));
  if (env.throttles) {
    const int64_t now = now_ms();
    auto& limiter = env.throttles->sso_start_by_addr;
    const int64_t wait = limiter.retry_after_s(
        client_addr, env.max_attempts * kOidcStartsPerAttempt, env.window_s * 1000, now);
    if (wait > 0) return too_many(wait);
    limiter.hit(client_addr, env.window_s * 1000, now);
  }
  OidcAttempt a;
  a.state = crypto::random_token(32);
  a.nonce = crypto::random_token(32);
  const std::string verifier = crypto::random_token(32);  // 43 characters (RFC 7636 §4.1)
  a.code_challenge = crypto::base64url_encode(crypto::sha256(verifier));
  store::OidcStateRow row;
  row.state_hash = hash_token(env, a.state);
  row.nonce_hash = hash_token(env, a.nonce);
  row.verifier_sealed =
      crypto::base64url_encode(crypto::seal(*env.seal_key, verifier, row.state_hash));
  row.redirect_uri = redirect_uri;
  row.redirect_url = redirect_url;
  SECU_TRY_VOID(env.store->write([&](store::WriteTx& tx) -> Status {
    static std::atomic<uint64_t> begun{0};
    const int64_t now = now_ms();
    if (++begun % 64 == 0) {
      SECU_TRY_VOID(store::delete_oidc_states_expired_before(tx.db, now - 3600 * 1000));
    }
    row.created_at = now;
    row.expires_at = now + kOidcStateTtlMs;
    // An attempt is not yet a change of anyone's state: it is audited when it completes or
    // fails (invariant of oidc.hpp), which keeps anonymous start calls from flooding the log.
    return store::insert_oidc_state(tx.db, row);
  }));
  return a;
}

Result<OidcPending> consume_oidc_state(const Env& env, const std::string& state,
                                       const std::string& client_addr) {
  SECU_TRY_VOID(check_throttle(env, &Throttles::login_by_addr, client_addr, now_ms()));
  if (state.empty() || state.size() > 256) return invalid_state();
  const std::string hash = hash_token(env, state);
  std::optional<store::OidcStateRow> row;
  SECU_TRY_VOID(env.store->write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(row, store::consume_oidc_state(tx.db, hash, now_ms()));
    return {};
  }));
  if (!row) return invalid_state();
  auto sealed = crypto::base64url_decode(row->verifier_sealed);
  if (!sealed.ok()) return invalid_state();
  auto verifier = crypto::open(*env.seal_key, *sealed, row->state_hash);
  if (!verifier.ok()) return invalid_state();
  OidcPending p;
  p.code_verifier = std::move(*verifier);
  p.nonce_hash = row->nonce_hash;
  p.redirect_uri = row->redirect_uri;
  p.redirect_url = row->redirect_url;
  return p;
}

bool oidc_nonce_matches(const Env& env, const OidcPending& pending, const std::string& nonce) {
  if (nonce.empty() || nonce.size() > 256) return false;
  return crypto::constant_time_equal(hash_token(env, nonce), pending.nonce_hash);
}

Result<Redeemed> complete_oidc_login(const Env& env, const OidcSettings& settings,
                                     const OidcIdentity& who, const OidcPending& pending,
                                     const std::string& request_id) {
  const std::string email = json::normalize_email(who.email);
  if (email.empty() || !json::is_valid_email(email)) {
    return Error::make(ErrorKind::kForbidden, "sso_email_missing",
                       "the identity provider did not give a valid email address");
  }
  // Only an address the IdP has verified names a person; an unverified claim could be anyone's.
  if (who.email_verified != true) {
    return Error::make(ErrorKind::kForbidden, "email_not_verified",
                       "the identity provider has not verified this email address");
  }
  if (!domain_allowed(settings, email)) {
    return Error::make(
        ErrorKind::kForbidden, "domain_not_allowed",
        "the email domain " + domain_of(email) + " is not allowed to sign in with SSO");
  }

  Redeemed out;
  std::optional<Error> refused;
  SECU_TRY_VOID(env.store->write([&](store::WriteTx& tx) -> Status {
    const int64_t now = now_ms();
    SECU_TRY(auto org, store::get_org(tx.db, settings.org_id));
    if (!org) {
      refused = Error::make(ErrorKind::kInvalid, "oidc_not_configured",
                            "the SSO org configured on this server does not exist");
      return {};
    }
    // Looked up and created inside one write job: two simultaneous first logins of the same
    // person cannot both create the user.
    SECU_TRY(auto user, store::find_user_by_email(tx.db, email));
    bool created = false;
    if (user && user->org_id != settings.org_id) {
      refused = Error::make(ErrorKind::kForbidden, "sso_user_other_org",
                            "this email belongs to a user of another org, which does not sign in "
                            "with this identity provider");
      return {};
    }
    if (!user) {
      store::UserRow u;
      u.id = crypto::random_id("usr");
      u.org_id = settings.org_id;
      u.email = email;
      u.role = role_name(settings.default_role);
      u.email_verified = true;  // the IdP verified it (checked above)
      u.email_verified_at = now;
      u.created_at = now;
      SECU_TRY_VOID(store::insert_user(tx.db, u));
      user = std::move(u);
      created = true;
    } else if (!user->email_verified) {
      SECU_TRY_VOID(store::set_user_email_verified(tx.db, user->id, now));
      user->email_verified = true;
      user->email_verified_at = now;
    }
    SECU_TRY_VOID(store::set_user_last_login(tx.db, user->id, now));
    user->last_login_at = now;
    SECU_TRY(out.session, issue_session(tx, env, *user, *org, now));
    auto e = oidc_entry(settings.org_id, "auth.oidc.login", request_id);
    e.actor = {"user", user->id};
    e.target = user->id;
    e.details = {{"method", "oidc"},
                 {"issuer", settings.issuer},
                 {"subject", who.subject},
                 {"user_created", created},
                 {"session_id", out.session.session_id}};
    if (created) {
      e.details["email"] = email;
      e.details["role"] = user->role;
    }
    return append_audit(tx, e);
  }));
  if (refused) return std::move(*refused);
  out.location = callback_location(pending.redirect_url, env.redirect_allowlist, env.console_url,
                                   out.session.token);
  // A loopback redirect (secuctl login --sso) was admitted at start; callback_location only
  // knows the allow-list, so it is honoured here.
  if (pending.redirect_url && is_loopback_redirect(*pending.redirect_url)) {
    out.location = *pending.redirect_url + "#token=" + out.session.token;
  }
  return out;
}

void audit_oidc_failure(const Env& env, const std::string& org_id, const Error& e,
                        const std::string& request_id, const std::string& failed_login_addr) {
  if (!failed_login_addr.empty() && e.kind != ErrorKind::kRateLimited) {
    count_attempt(env, &Throttles::login_by_addr, failed_login_addr, now_ms());
  }
  auto entry = oidc_entry(org_id, "auth.oidc.fail", request_id);
  entry.actor = {"anonymous", ""};
  entry.details = {{"reason", e.code}, {"message", e.message}};
  auto st = env.store->write([&](store::WriteTx& tx) -> Status {
    // The org may be gone (misconfiguration): the entry then goes to the platform's log.
    if (!entry.org_id.empty()) {
      SECU_TRY(auto org, store::get_org(tx.db, entry.org_id));
      if (!org) entry.org_id.clear();
    }
    return append_audit(tx, entry);
  });
  if (!st.ok()) {
    log::warn("oidc failure not audited",
              {{"request_id", request_id}, {"reason", e.code}, {"error", st.error().code}});
  }
}

}  // namespace secu::identity
