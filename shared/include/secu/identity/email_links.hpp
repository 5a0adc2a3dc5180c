// Magic-link login and email verification: single-use, expiring tokens sent by mail.
//
// A token is 32 random bytes (base64url); only its keyed hash is stored. Magic links live 15
// minutes, verification links 24 hours. Redeeming marks the token used in the same statement
// that checks it (store::consume_email_token), so a link works once even when clicked twice at
// the same instant. With email disabled (no mailer) the start operations answer the token
// instead of mailing it — a development mode: whoever can call magic/start can then log in
// as any user, so production configures SMTP.
// Enumeration: with SMTP, magic/start answers {"sent": true} for unknown emails as well (and
// mails nothing), so the answer does not reveal who has an account.
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "secu/identity/env.hpp"
#include "secu/identity/sessions.hpp"

namespace secu::identity {

enum class LinkKind { kMagic, kVerify };

constexpr int64_t kMagicLinkTtlMs = 15 * 60 * 1000;
constexpr int64_t kVerifyLinkTtlMs = 24 * 3600 * 1000;

struct LinkStart {
  bool sent = false;  // mailed
  std::string token;  // only with email disabled (and a known user)
};

// 400 for a bad email or a redirect_url that is not allowed; 429 when throttled; 502 when the
// SMTP server refused the mail.
Result<LinkStart> start_magic_link(const Env& env, const std::string& email,
                                   const std::optional<std::string>& redirect_url,
                                   const std::string& client_addr, const std::string& request_id);
// For the calling user (403 "not_a_user" for the admin token, 409 "already_verified").
Result<LinkStart> start_verification(const Env& env, const Caller& caller,
                                     const std::optional<std::string>& redirect_url,
                                     const std::string& client_addr);

struct Redeemed {
  Session session;
  // Where to send the browser: the redirect URL with "#token=<jwt>", or "" to answer 200.
  std::string location;
};
// 401 for an unknown, used or expired token. Verification also sets email_verified.
Result<Redeemed> redeem_link(const Env& env, LinkKind kind, const std::string& token,
                             const std::string& request_id);

// Creates (in `tx`) a verification token for `user_id`; returns the plain token. Used by
// signup, which issues one with the account.
Result<std::string> issue_link_token(store::WriteTx& tx, const Env& env, LinkKind kind,
                                     const std::string& user_id,
                                     const std::optional<std::string>& redirect_url, int64_t now);
// The mail carrying a link token.
Mail link_mail(const Env& env, LinkKind kind, const std::string& to, const std::string& token);

}  // namespace secu::identity
