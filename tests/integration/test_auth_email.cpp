// Magic-link login and email verification against the real secud: with email disabled (the
// token in the answer), with a real SMTP server on 127.0.0.1 (tests/peers/smtp-sink.js), and
// the redirects of the callbacks.
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"
#include "support/peers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

Response magic_start(const Secud& s, const json& body) {
  return http(s.url(), "POST", "/v1/auth/magic/start", body.dump());
}

Response callback(const Secud& s, const std::string& kind, const std::string& token) {
  return http(s.url(), "GET", "/v1/auth/" + kind + "/callback?token=" + token);
}

// "https://secu.example.test/v1/auth/magic/callback?token=…" → "/v1/auth/magic/callback?…"
std::string path_of(const std::string& url) {
  const auto scheme = url.find("://");
  return url.substr(url.find('/', scheme + 3));
}

std::string fragment_token(const std::string& location) {
  const auto pos = location.find("#token=");
  return pos == std::string::npos ? "" : location.substr(pos + 7);
}

}  // namespace

TEST_CASE("magic link without SMTP: the token is in the answer and logs in once", "[auth][magic]") {
  Secud s;
  auto owner = signup_account(s, "mia@acme.test");
  auto start = magic_start(s, {{"email", "MIA@acme.test"}});
  INFO(start.body);
  REQUIRE(start.status == 200);
  CHECK(start.header("Cache-Control") == "no-store");
  auto j = start.json();
  CHECK(j["sent"] == false);
  const std::string token = j["token"];
  CHECK(row_count(s, "email_tokens", "kind = 'magic' AND used_at IS NULL") == 1);
  CHECK(row_count(s, "audit_log", "action = 'auth.magic.start'") == 1);

  // A link scanner's HEAD does not spend the token.
  CHECK(http(s.url(), "HEAD", "/v1/auth/magic/callback?token=" + token).status == 200);
  auto in = callback(s, "magic", token);
  REQUIRE(in.status == 200);  // no console URL configured: the session itself
  CHECK(in.header("Cache-Control") == "no-store");
  CHECK(in.header("Referrer-Policy") == "no-referrer");
  auto session = in.json();
  CHECK(session["user"]["id"] == owner.user_id);
  CHECK(session["org"]["id"] == owner.org_id);
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, bearer(session["token"])).status == 200);
  CHECK(row_count(s, "audit_log", "action = 'auth.magic.redeem'") == 1);

  auto twice = callback(s, "magic", token);
  REQUIRE(twice.status == 401);
  CHECK(twice.json()["error"]["code"] == "invalid_link");
  // A magic token is not a verification token, and garbage is nothing.
  auto t2 = magic_start(s, {{"email", "mia@acme.test"}}).json()["token"].get<std::string>();
  CHECK(callback(s, "verify", t2).status == 401);
  CHECK(callback(s, "magic", "garbage").status == 401);
  CHECK(http(s.url(), "GET", "/v1/auth/magic/callback").status == 401);
  CHECK(callback(s, "magic", std::string(300, 'a')).status == 401);
  // Still usable for its own kind (the wrong-kind try did not burn it).
  CHECK(callback(s, "magic", t2).status == 200);
}

TEST_CASE("an expired magic link answers 401", "[auth][magic]") {
  Secud s;
  signup_account(s, "ned@acme.test");
  const std::string token = magic_start(s, {{"email", "ned@acme.test"}}).json()["token"];
  // 15 minutes pass (the row is aged rather than the test waiting).
  exec_sql(s,
           "UPDATE email_tokens SET expires_at = expires_at - 16 * 60 * 1000 "
           "WHERE kind = 'magic'");
  auto r = callback(s, "magic", token);
  CHECK(r.status == 401);
  CHECK(r.json()["error"]["code"] == "invalid_link");
}

TEST_CASE("magic start for an unknown email issues nothing", "[auth][magic]") {
  Secud s;
  auto r = magic_start(s, {{"email", "ghost@acme.test"}});
  REQUIRE(r.status == 200);
  CHECK(r.json() == json{{"sent", false}});
  CHECK(row_count(s, "email_tokens") == 0);
  auto bad = magic_start(s, {{"email", "not an email"}});
  CHECK(bad.status == 400);
  CHECK(bad.json()["error"]["field"] == "email");
}

TEST_CASE("verification without SMTP: signup's token verifies the email once", "[auth][verify]") {
  Secud s;
  auto r = http(s.url(), "POST", "/v1/auth/signup",
                json{{"email", "olga@acme.test"}, {"password", kTestPassword}}.dump());
  REQUIRE(r.status == 200);
  const std::string token = r.json()["verification_token"];
  auto v = callback(s, "verify", token);
  REQUIRE(v.status == 200);
  auto user = v.json()["user"];
  CHECK(user["email_verified"] == true);
  CHECK(user["email_verified_at"].is_string());
  CHECK(row_count(s, "users", "email_verified = 1 AND email_verified_at IS NOT NULL") == 1);
  CHECK(row_count(s, "audit_log", "action = 'auth.verify.redeem'") == 1);
  CHECK(callback(s, "verify", token).status == 401);  // single use
  // A verified user asks again: nothing to do.
  auto again = http(s.url(), "POST", "/v1/auth/verify/start", {}, bearer(r.json()["token"]));
  CHECK(again.status == 409);
  CHECK(again.json()["error"]["code"] == "already_verified");
}

TEST_CASE("verify start issues a new link for the calling user", "[auth][verify]") {
  Secud s;
  auto owner = signup_account(s, "pat@acme.test");
  auto member = add_user(s, owner.org_id, "quinn@acme.test", "member");
  auto start = http(s.url(), "POST", "/v1/auth/verify/start", "{}", bearer(member.token));
  REQUIRE(start.status == 200);
  CHECK(start.json()["sent"] == false);
  auto v = callback(s, "verify", start.json()["token"]);
  REQUIRE(v.status == 200);
  CHECK(v.json()["user"]["id"] == member.user_id);
  CHECK(v.json()["user"]["email_verified"] == true);
  // No body at all is fine too (the body is optional).
  auto pat = http(s.url(), "POST", "/v1/auth/verify/start", "", bearer(owner.token));
  CHECK(pat.status == 200);
  // The admin token has no email.
  auto adm = admin(s, "POST", "/v1/auth/verify/start", "{}");
  CHECK(adm.status == 403);
  CHECK(adm.json()["error"]["code"] == "not_a_user");
  CHECK(http(s.url(), "POST", "/v1/auth/verify/start", "{}").status == 401);
}

TEST_CASE(
    "callbacks redirect to the console with the JWT in the fragment, or to an "
    "allow-listed redirect_url, never elsewhere",
    "[auth][redirect]") {
  Secud s(with_args({"--console-url", "https://console.acme.test/app", "--redirect-allowlist",
                     "https://partner.test/cb, https://other.test/"}));
  auto owner = signup_account(s, "rita@acme.test");

  // Default: the console URL.
  auto t1 = magic_start(s, {{"email", "rita@acme.test"}}).json()["token"].get<std::string>();
  auto r1 = callback(s, "magic", t1);
  REQUIRE(r1.status == 302);
  const auto loc1 = r1.header("Location");
  CHECK(loc1.rfind("https://console.acme.test/app#token=", 0) == 0);
  CHECK(r1.header("Cache-Control") == "no-store");
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, bearer(fragment_token(loc1))).status == 200);

  // An allow-listed redirect_url.
  auto t2 = magic_start(s, {{"email", "rita@acme.test"},
                            {"redirect_url", "https://partner.test/cb/welcome?x=1"}})
                .json()["token"]
                .get<std::string>();
  auto r2 = callback(s, "magic", t2);
  REQUIRE(r2.status == 302);
  CHECK(r2.header("Location").rfind("https://partner.test/cb/welcome?x=1#token=", 0) == 0);

  // Anywhere else is refused at start (400, nothing issued).
  const auto tokens_before = row_count(s, "email_tokens");
  for (const char* evil : {"https://evil.test/", "https://partner.test.evil.test/cb",
                           "https://partner.test/cbx", "https://partner.test@evil.test/cb",
                           "javascript:alert(1)", "//evil.test", "http://partner.test/cb"}) {
    INFO(evil);
    auto bad = magic_start(s, {{"email", "rita@acme.test"}, {"redirect_url", evil}});
    CHECK(bad.status == 400);
    CHECK(bad.json()["error"]["field"] == "redirect_url");
  }
  CHECK(row_count(s, "email_tokens") == tokens_before);

  // Verification callbacks redirect the same way.
  auto vt = http(s.url(), "POST", "/v1/auth/verify/start",
                 json{{"redirect_url", "https://other.test/verified"}}.dump(), bearer(owner.token));
  REQUIRE(vt.status == 200);
  auto rv = callback(s, "verify", vt.json()["token"]);
  REQUIRE(rv.status == 302);
  CHECK(rv.header("Location").rfind("https://other.test/verified#token=", 0) == 0);
}

TEST_CASE("magic link over a real SMTP server: the mail arrives, its link logs in once",
          "[auth][magic][smtp]") {
  if (!node_peers_available()) {
    WARN("skipped: run packaging/install-deps.sh (node and tests/peers/node_modules)");
    return;
  }
  SmtpSink sink;
  TempDir tmp;
  const std::string pw_file = tmp.path() + "/smtp.pw";
  std::ofstream(pw_file) << "smtp-secret-pw\n";
  Secud s(with_args({"--smtp-url", sink.url(), "--smtp-user", "secud", "--smtp-password-file",
                     pw_file, "--mail-from", "Secu <noreply@secu.test>", "--public-url",
                     "https://secu.example.test/"}));
  // Signup mails the verification link instead of answering it.
  auto up = http(s.url(), "POST", "/v1/auth/signup",
                 json{{"email", "sam@acme.test"}, {"password", kTestPassword}}.dump());
  REQUIRE(up.status == 200);
  CHECK_FALSE(up.json().contains("verification_token"));
  auto mails = sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  CHECK(mails[0]["to"] == json::array({"sam@acme.test"}));
  CHECK(mails[0]["from"] == "noreply@secu.test");
  CHECK(mails[0]["auth"]["username"] == "secud");
  CHECK(mails[0]["auth"]["password"] == "smtp-secret-pw");
  const auto verify_link = first_url(mails[0]["text"]);
  CHECK(verify_link.rfind("https://secu.example.test/v1/auth/verify/callback?token=", 0) == 0);

  // Magic link: mailed, not answered.
  auto start = magic_start(s, {{"email", "sam@acme.test"}});
  REQUIRE(start.status == 200);
  CHECK(start.json() == json{{"sent", true}});
  mails = sink.wait_for(2);
  REQUIRE(mails.size() == 2);
  const auto& mail = mails[1];
  CHECK(mail["to"] == json::array({"sam@acme.test"}));
  CHECK(mail["subject"] == "Your Secu sign-in link");
  const auto link = first_url(mail["text"]);
  INFO(mail["text"]);
  REQUIRE(link.rfind("https://secu.example.test/v1/auth/magic/callback?token=", 0) == 0);

  // The link (served by this secud) logs Sam in, once.
  auto in = http(s.url(), "GET", path_of(link));
  REQUIRE(in.status == 200);
  CHECK(in.json()["user"]["email"] == "sam@acme.test");
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, bearer(in.json()["token"])).status == 200);
  auto twice = http(s.url(), "GET", path_of(link));
  CHECK(twice.status == 401);

  // The verification link from the first mail verifies.
  auto v = http(s.url(), "GET", path_of(verify_link));
  REQUIRE(v.status == 200);
  CHECK(v.json()["user"]["email_verified"] == true);

  // An unknown address: the same answer, and no mail.
  auto ghost = magic_start(s, {{"email", "ghost@acme.test"}});
  REQUIRE(ghost.status == 200);
  CHECK(ghost.json() == json{{"sent", true}});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(sink.messages().size() == 2);

  // Neither the mail's token nor the SMTP password reached the log.
  const auto token = link.substr(link.find("token=") + 6);
  CHECK(s.err().find(token) == std::string::npos);
  CHECK(s.err().find("smtp-secret-pw") == std::string::npos);
}

TEST_CASE("a refusing or absent SMTP server answers 502 and says so", "[auth][magic][smtp]") {
  Secud s(with_args({"--smtp-url", "smtp://127.0.0.1:1", "--mail-from", "noreply@secu.test"}));
  signup_account(s, "tom@acme.test");  // the verification mail fails: signup still succeeds
  auto r = magic_start(s, {{"email", "tom@acme.test"}});
  REQUIRE(r.status == 502);
  CHECK(r.json()["error"]["code"] == "mail_failed");
  CHECK(s.err().find("mail not sent") != std::string::npos);

  // Settings that cannot work are the operator's problem: 502 too, and an error in the log.
  Secud bad(with_args({"--smtp-url", "http://127.0.0.1:1"}));
  signup_account(bad, "tom@acme.test");
  auto r2 = magic_start(bad, {{"email", "tom@acme.test"}});
  CHECK(r2.status == 502);
  CHECK(bad.err().find("mail is misconfigured") != std::string::npos);
}

TEST_CASE("magic-link requests are throttled per address with 429", "[auth][magic][throttle]") {
  Secud s(with_args({"--login-max-attempts", "2", "--login-window-s", "60"}));
  signup_account(s, "uma@acme.test");
  CHECK(magic_start(s, {{"email", "uma@acme.test"}}).status == 200);
  CHECK(magic_start(s, {{"email", "nobody@acme.test"}}).status == 200);
  auto third = magic_start(s, {{"email", "uma@acme.test"}});
  CHECK(third.status == 429);
  CHECK_FALSE(third.header("Retry-After").empty());
}

TEST_CASE("verification starts are throttled per account with 429 and write nothing more",
          "[auth][verify][throttle]") {
  Secud s(with_args({"--login-max-attempts", "2", "--login-window-s", "60"}));
  auto owner = signup_account(s, "vera@acme.test");  // signup counts as no mail request
  auto start = [&] {
    return http(s.url(), "POST", "/v1/auth/verify/start", "{}", bearer(owner.token));
  };
  REQUIRE(start().status == 200);
  REQUIRE(start().status == 200);
  const auto tokens_before = row_count(s, "email_tokens", "1 = 1");
  auto third = start();
  CHECK(third.status == 429);
  CHECK(third.json()["error"]["code"] == "too_many_attempts");
  CHECK_FALSE(third.header("Retry-After").empty());
  CHECK(row_count(s, "email_tokens", "1 = 1") == tokens_before);
  // Another account from the same address is held by the per-address limit too.
  auto other = add_user(s, owner.org_id, "wes@acme.test", "member");
  CHECK(http(s.url(), "POST", "/v1/auth/verify/start", "{}", bearer(other.token)).status == 429);
}
