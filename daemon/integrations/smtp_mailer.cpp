#include "integrations/smtp_mailer.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>

#include "secu/crypto.hpp"
#include "secu/files.hpp"
#include "secu/log.hpp"

namespace secu::daemon {

namespace {

// curl_global_init is not thread-safe on every libcurl build: run it once, first.
void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Upload {
  std::string data;
  size_t pos = 0;
};

size_t read_cb(char* buf, size_t size, size_t nitems, void* userp) {
  auto* u = static_cast<Upload*>(userp);
  const size_t n = std::min(size * nitems, u->data.size() - u->pos);
  std::memcpy(buf, u->data.data() + u->pos, n);
  u->pos += n;
  return n;
}

// "Secu <noreply@x.test>" → "noreply@x.test"; a bare address stays as it is.
std::string envelope_address(const std::string& from) {
  const auto lt = from.find('<');
  const auto gt = from.find('>', lt == std::string::npos ? 0 : lt);
  if (lt != std::string::npos && gt != std::string::npos) return from.substr(lt + 1, gt - lt - 1);
  return from;
}

bool has_line_break(const std::string& s) {
  return s.find_first_of("\r\n") != std::string::npos;
}

std::string rfc5322_date() {
  char buf[64];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out.push_back('\r');
    out.push_back(text[i]);
  }
  return out;
}

Error mail_failed(const std::string& why) {
  return Error::make(ErrorKind::kUpstream, "mail_failed", "mail not sent: " + why);
}

// Settings that cannot work are the operator's to fix: logged for them, answered as a mail
// failure (502) — never as the caller's bad input.
Error misconfigured(const std::string& why) {
  log::error("mail is misconfigured", {{"reason", why}});
  return mail_failed("the mail settings of this server are incomplete");
}

}  // namespace

std::string format_message(const std::string& from, const identity::Mail& m,
                           const std::string& message_id, const std::string& date) {
  std::string msg;
  msg += "Date: " + date + "\r\n";
  msg += "From: " + from + "\r\n";
  msg += "To: " + m.to + "\r\n";
  msg += "Subject: " + m.subject + "\r\n";
  msg += "Message-ID: <" + message_id + ">\r\n";
  msg += "MIME-Version: 1.0\r\n";
  msg += "Content-Type: text/plain; charset=utf-8\r\n";
  msg += "Content-Transfer-Encoding: 8bit\r\n";
  msg += "Auto-Submitted: auto-generated\r\n";
  msg += "\r\n";
  msg += crlf(m.text);
  if (msg.size() < 2 || msg.compare(msg.size() - 2, 2, "\r\n") != 0) msg += "\r\n";
  return msg;
}

Status send_mail(const SmtpSettings& s, const identity::Mail& mail) {
  if (!s.url.starts_with("smtp://") && !s.url.starts_with("smtps://")) {
    return misconfigured("smtp_url must start with smtp:// or smtps://");
  }
  // Header injection: every header value must be one line. `to` is validated upstream; the
  // rest come from the config, so check them here too.
  if (has_line_break(mail.to) || has_line_break(mail.subject) || has_line_break(s.from) ||
      s.from.empty()) {
    return misconfigured("mail_from must be set, and mail headers must be one line");
  }
  std::string password;
  if (!s.password_file.empty()) {
    auto text = files::read_all(s.password_file);
    if (!text.ok()) return misconfigured("smtp_password_file cannot be read");
    password = std::move(text).value();
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
  }
  curl_init_once();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return mail_failed("cannot start a mail transfer");
  CURL* c = curl.get();

  const std::string from_addr = envelope_address(s.from);
  const std::string domain =
      from_addr.find('@') == std::string::npos ? "secu" : from_addr.substr(from_addr.find('@') + 1);
  Upload up{format_message(s.from, mail, crypto::random_token(16) + "@" + domain, rfc5322_date()),
            0};
  std::unique_ptr<curl_slist, SlistDeleter> rcpt(curl_slist_append(nullptr, mail.to.c_str()));

  curl_easy_setopt(c, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based timeouts
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (s.url.starts_with("smtp://")) curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!s.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, s.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + from_addr + ">").c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(up.data.size()));

  const CURLcode rc = curl_easy_perform(c);
  sodium_memzero(password.data(), password.size());
  if (rc != CURLE_OK) return mail_failed(curl_easy_strerror(rc));
  return {};
}

identity::Mailer make_smtp_mailer(SmtpSettings s) {
  if (s.url.empty()) return {};
  return [s = std::move(s)](const identity::Mail& m) { return send_mail(s, m); };
}

}  // namespace secu::daemon
