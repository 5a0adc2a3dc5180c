#include "secu/identity/email_links.hpp"

#include <atomic>

#include "internal.hpp"
#include "secu/clock.hpp"
#include "secu/identity/redirects.hpp"
#include "secu/json_input.hpp"
#include "secu/log.hpp"
#include "secu/store/email_tokens.hpp"
#include "secu/store/users.hpp"

namespace secu::identity {

using namespace detail;

namespace {

constexpr size_t kMaxTokenChars = 256;

const char* kind_name(LinkKind k) {
  return k == LinkKind::kMagic ? "magic" : "verify";
}

Status check_redirect(const Env& env, const std::optional<std::string>& redirect_url) {
  if (redirect_url && !redirect_allowed(*redirect_url, env.redirect_allowlist, env.console_url)) {
    return Error::invalid("redirect_url is not on the redirect allow-list", "redirect_url");
  }
  return {};
}

// Every start counts against its email and its address (each one may send a mail).
Status throttle_mail(const Env& env, const std::string& email, const std::string& addr) {
  const int64_t now = now_ms();
  SECU_TRY_VOID(check_throttle(env, &Throttles::mail_by_email, email, now));
  SECU_TRY_VOID(check_throttle(env, &Throttles::mail_by_addr, addr, now));
  count_attempt(env, &Throttles::mail_by_email, email, now);
  count_attempt(env, &Throttles::mail_by_addr, addr, now);
  return {};
}

// Issues the token (with its audit entry) and mails it, or hands it back with email disabled.
Result<LinkStart> issue_and_deliver(const Env& env, LinkKind kind, const store::UserRow& user,
                                    const std::optional<std::string>& redirect_url,
                                    const audit::Actor& actor, const std::string& request_id) {
  std::string token;
  SECU_TRY_VOID(env.store->write([&](store::WriteTx& tx) -> Status {
    const int64_t now = now_ms();
    SECU_TRY(token, issue_link_token(tx, env, kind, user.id, redirect_url, now));
    audit::Entry e;
    e.org_id = user.org_id;
    e.actor = actor;
    e.action = std::string("auth.") + kind_name(kind) + ".start";
    e.target = user.id;
    e.details = {{"mailed", env.email_enabled()}};
    e.request_id = request_id;
    return append_audit(tx, e);
  }));
  if (!env.email_enabled()) return LinkStart{false, std::move(token)};
  auto sent = env.mailer(link_mail(env, kind, user.email, token));
  if (!sent.ok()) {
    log::warn("mail not sent",
              {{"request_id", request_id}, {"user_id", user.id}, {"reason", sent.error().message}});
    return Error::make(ErrorKind::kUpstream, "mail_failed",
                       "the mail server did not accept the mail; try again later");
  }
  return LinkStart{true, {}};
}

}  // namespace

Result<std::string> issue_link_token(store::WriteTx& tx, const Env& env, LinkKind kind,
                                     const std::string& user_id,
                                     const std::optional<std::string>& redirect_url, int64_t now) {
  static std::atomic<uint64_t> issued{0};
  if (++issued % 64 == 0) {
    SECU_TRY_VOID(store::delete_email_tokens_expired_before(tx.db, now - 24 * 3600 * 1000));
  }
  std::string token = crypto::random_token(32);
  store::EmailTokenRow row;
  row.token_hash = hash_token(env, token);
  row.kind = kind_name(kind);
  row.user_id = user_id;
  row.redirect_url = redirect_url;
  row.created_at = now;
  row.expires_at = now + (kind == LinkKind::kMagic ? kMagicLinkTtlMs : kVerifyLinkTtlMs);
  SECU_TRY_VOID(store::insert_email_token(tx.db, row));
  return token;
}

Mail link_mail(const Env& env, LinkKind kind, const std::string& to, const std::string& token) {
  std::string base = env.public_url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  Mail m;
  m.to = to;
  if (kind == LinkKind::kMagic) {
    m.subject = "Your Secu sign-in link";
    m.text = "Someone (hopefully you) asked to sign in to Secu as " + to +
             ".\n\nOpen this link within 15 minutes to sign in:\n\n  " + base +
             "/v1/auth/magic/callback?token=" + token +
             "\n\nThe link works once. If you did not ask for it, ignore this mail.\n";
  } else {
    m.subject = "Verify your email for Secu";
    m.text = "Please confirm that " + to +
             " is your address.\n\nOpen this link within 24 hours:\n\n  " + base +
             "/v1/auth/verify/callback?token=" + token +
             "\n\nThe link works once. If you did not sign up for Secu, ignore this mail.\n";
  }
  return m;
}

Result<LinkStart> start_magic_link(const Env& env, const std::string& email_in,
                                   const std::optional<std::string>& redirect_url,
                                   const std::string& client_addr, const std::string& request_id) {
  const std::string email = json::normalize_email(email_in);
  if (!json::is_valid_email(email)) {
    return Error::invalid("email must be a valid email address", "email");
  }
  SECU_TRY_VOID(check_redirect(env, redirect_url));
  SECU_TRY_VOID(throttle_mail(env, email, client_addr));

  std::optional<store::UserRow> user;
  SECU_TRY_VOID(env.store->read([&](store::Db& db) -> Status {
    SECU_TRY(user, store::find_user_by_email(db, email));
    return {};
  }));
  if (!user) {
    // With SMTP the answer is the same as for a known address (no enumeration); without, the
    // missing token says it — that mode hands out login tokens anyway (see the header).
    return LinkStart{env.email_enabled(), {}};
  }
  return issue_and_deliver(env, LinkKind::kMagic, *user, redirect_url, {"anonymous", ""},
                           request_id);
}

Result<LinkStart> start_verification(const Env& env, const Caller& caller,
                                     const std::optional<std::string>& redirect_url,
                                     const std::string& client_addr) {
  if (!caller.is_user()) {
    return Error::make(ErrorKind::kForbidden, "not_a_user",
                       "the admin token has no email address to verify");
  }
  SECU_TRY_VOID(check_redirect(env, redirect_url));
  std::optional<store::UserRow> user;
  SECU_TRY_VOID(env.store->read([&](store::Db& db) -> Status {
    SECU_TRY(user, store::get_user(db, caller.user_id));
    return {};
  }));
  if (!user) return Error::unauthenticated("the user no longer exists");
  if (user->email_verified) {
    return Error::conflict("already_verified", "this email address is verified already");
  }
  SECU_TRY_VOID(throttle_mail(env, user->email, client_addr));
  return issue_and_deliver(env, LinkKind::kVerify, *user, redirect_url, caller.actor,
                           caller.request_id);
}

Result<Redeemed> redeem_link(const Env& env, LinkKind kind, const std::string& token,
                             const std::string& request_id) {
  const auto invalid = [] {
    return Error::make(ErrorKind::kUnauthenticated, "invalid_link",
                       "this link is invalid, expired or used already");
  };
  if (token.empty() || token.size() > kMaxTokenChars) return invalid();
  const std::string hash = hash_token(env, token);
  Redeemed out;
  std::optional<std::string> redirect;
  SECU_TRY_VOID(env.store->write([&](store::WriteTx& tx) -> Status {
    const int64_t now = now_ms();
    SECU_TRY(auto row, store::consume_email_token(tx.db, hash, kind_name(kind), now));
    if (!row) return invalid();
    SECU_TRY(auto user, store::get_user(tx.db, row->user_id));
    if (!user) return invalid();
    SECU_TRY(auto org, store::get_org(tx.db, user->org_id));
    if (!org) return invalid();
    if (kind == LinkKind::kVerify) {
      SECU_TRY_VOID(store::set_user_email_verified(tx.db, user->id, now));
      user->email_verified = true;
      if (!user->email_verified_at) user->email_verified_at = now;
    }
    SECU_TRY_VOID(store::set_user_last_login(tx.db, user->id, now));
    user->last_login_at = now;
    SECU_TRY(out.session, issue_session(tx, env, *user, *org, now));
    audit::Entry e;
    e.org_id = user->org_id;
    e.actor = {"user", user->id};
    e.action = std::string("auth.") + kind_name(kind) + ".redeem";
    e.target = user->id;
    e.details = {{"session_id", out.session.session_id}};
    if (kind == LinkKind::kVerify) e.details["email_verified"] = true;
    e.request_id = request_id;
    redirect = row->redirect_url;
    return append_audit(tx, e);
  }));
  out.location =
      callback_location(redirect, env.redirect_allowlist, env.console_url, out.session.token);
  return out;
}

}  // namespace secu::identity
