// Outgoing mail over SMTP with libcurl: magic links and verification links.
//
// smtp://host:port upgrades with STARTTLS when the server offers it (and then verifies its
// certificate); smtps://host:port speaks TLS from the first byte. AUTH is used when a user is
// configured; the password is read from its file at each send, so rotating it needs no restart
// and it never sits in the config snapshot. A send blocks its calling thread for at most ~30 s.
// Thread-safety: send() may run on many threads at once (one curl handle per send).
#pragma once

#include <string>

#include "secu/identity/env.hpp"
#include "secu/result.hpp"

namespace secu::daemon {

struct SmtpSettings {
  std::string url;            // smtp://… or smtps://…; "" = email disabled
  std::string user;           // "" = no AUTH
  std::string password_file;  // read at each send
  std::string from;           // "Secu <noreply@example.com>" or a bare address
};

// Sends one mail. kUpstream "mail_failed" when the server refused it or could not be reached,
// or when the settings cannot work (bad URL scheme, no mail_from, unreadable password file;
// those are also logged as errors for the operator).
Status send_mail(const SmtpSettings& s, const identity::Mail& mail);

// A Mailer bound to `s`, or an empty one (email disabled) when s.url is empty.
identity::Mailer make_smtp_mailer(SmtpSettings s);

// The message as sent (headers + body, CRLF line ends); exposed for tests.
std::string format_message(const std::string& from, const identity::Mail& mail,
                           const std::string& message_id, const std::string& date);

}  // namespace secu::daemon
