// Password login, sessions, me and logout against the real secud.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>

#include "secu/clock.hpp"
#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {
Response login(const Secud& s, const std::string& email, const std::string& password) {
  return http(s.url(), "POST", "/v1/auth/login",
              json{{"email", email}, {"password", password}}.dump());
}
}  // namespace

TEST_CASE("login answers a session and records the login", "[auth][login]") {
  Secud s;
  auto owner = signup_account(s, "carol@acme.test", "Acme");
  const auto sessions_before = row_count(s, "sessions");
  auto r = login(s, "Carol@ACME.test", kTestPassword);  // emails compare normalised
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.header("Cache-Control") == "no-store");
  auto j = r.json();
  CHECK(j["user"]["id"] == owner.user_id);
  CHECK(j["user"]["last_login_at"].is_string());
  CHECK(j["org"]["id"] == owner.org_id);
  CHECK(j["org"]["name"] == "Acme");
  const auto expires = secu::parse_time(j["expires_at"].get<std::string>());
  REQUIRE(expires.ok());
  // Default jwt_ttl_s: 12 h.
  CHECK(std::abs(*expires - secu::now_ms() - 12 * 3600 * 1000LL) < 60'000);
  CHECK(row_count(s, "sessions") == sessions_before + 1);
  CHECK(row_count(s, "audit_log", "action = 'auth.login' AND target = '" + owner.user_id + "'") ==
        1);
  // Each login is its own session: both tokens work.
  auto second = login(s, "carol@acme.test", kTestPassword);
  REQUIRE(second.status == 200);
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, bearer(j["token"])).status == 200);
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, bearer(second.json()["token"])).status == 200);
}

TEST_CASE("a wrong password and an unknown email answer the same 401", "[auth][login]") {
  Secud s;
  signup_account(s, "dave@acme.test");
  auto wrong = login(s, "dave@acme.test", "not the password at all");
  auto unknown = login(s, "nobody@acme.test", "not the password at all");
  REQUIRE(wrong.status == 401);
  REQUIRE(unknown.status == 401);
  auto a = wrong.json()["error"], b = unknown.json()["error"];
  a.erase("request_id");
  b.erase("request_id");
  CHECK(a == b);
  CHECK(a["code"] == "invalid_credentials");
  CHECK(row_count(s, "audit_log", "action = 'auth.login'") == 0);
}

TEST_CASE("an unknown email costs the same password hashing as a wrong password",
          "[auth][login][timing]") {
  // A realistic Argon2id cost (32 MiB) makes the hash dominate the request time; if the
  // unknown-email path skipped it, it would answer many times faster. The fastest of several
  // tries is compared (the machine's other load only ever adds time).
  Secud s(with_args(
      {"--login-max-attempts", "1000", "--argon2-ops", "2", "--argon2-mem-kib", "32768"}));
  signup_account(s, "timing@acme.test");
  // Interleaved, so a burst of load elsewhere slows both series alike.
  auto once = [&](const std::string& email) {
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(login(s, email, "wrong password here").status == 401);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  double known = 1e9, unknown = 1e9;
  for (int i = 0; i < 15; ++i) {
    known = std::min(known, once("timing@acme.test"));
    unknown = std::min(unknown, once("ghost@acme.test"));
  }
  INFO("known " << known << " ms, unknown " << unknown << " ms");
  CHECK(unknown > known * 0.5);
  CHECK(unknown < known * 2.0);
}

TEST_CASE("failed logins are throttled per email and per address with 429 and Retry-After",
          "[auth][login][throttle]") {
  Secud s(with_args({"--login-max-attempts", "3", "--login-window-s", "120"}));
  signup_account(s, "erin@acme.test");
  signup_account(s, "frank@acme.test");
  for (int i = 0; i < 3; ++i)
    REQUIRE(login(s, "erin@acme.test", "wrong password " + std::to_string(i)).status == 401);
  // The 4th attempt is refused before any password check, even with the right password.
  auto blocked = login(s, "erin@acme.test", kTestPassword);
  REQUIRE(blocked.status == 429);
  CHECK(blocked.json()["error"]["code"] == "too_many_attempts");
  const auto retry = blocked.header("Retry-After");
  REQUIRE_FALSE(retry.empty());
  CHECK(std::stoi(retry) > 0);
  CHECK(std::stoi(retry) <= 120);
  // The address (127.0.0.1) has 3 failures too: another account from it waits as well.
  auto other = login(s, "frank@acme.test", kTestPassword);
  CHECK(other.status == 429);
  CHECK_FALSE(other.header("Retry-After").empty());
  // Signup and public reads are not affected.
  CHECK(http(s.url(), "GET", "/healthz").status == 200);
}

TEST_CASE("a success clears its email's failures", "[auth][login][throttle]") {
  Secud s(with_args({"--login-max-attempts", "3", "--login-window-s", "120"}));
  signup_account(s, "gina@acme.test");
  REQUIRE(login(s, "gina@acme.test", "wrong password 1").status == 401);
  REQUIRE(login(s, "gina@acme.test", kTestPassword).status == 200);
  // The email's count restarted; the address still counts its one failure (2 more allowed).
  REQUIRE(login(s, "gina@acme.test", "wrong password 2").status == 401);
  REQUIRE(login(s, "gina@acme.test", kTestPassword).status == 200);
  CHECK(login(s, "gina@acme.test", "wrong password 3").status == 401);
  CHECK(login(s, "gina@acme.test", kTestPassword).status == 429);  // address: 3 failures
}

TEST_CASE("me describes the caller: a user with org and role, or the admin", "[auth][me]") {
  Secud s;
  auto owner = signup_account(s, "hank@acme.test", "Hank Inc");
  auto me = http(s.url(), "GET", "/v1/auth/me", {}, bearer(owner.token));
  REQUIRE(me.status == 200);
  auto j = me.json();
  CHECK(j["type"] == "user");
  CHECK(j["role"] == "owner");
  CHECK(j["user"]["email"] == "hank@acme.test");
  CHECK(j["org"]["name"] == "Hank Inc");
  auto adm = admin(s, "GET", "/v1/auth/me");
  REQUIRE(adm.status == 200);
  CHECK(adm.json() == json{{"type", "admin"}, {"role", "platform_admin"}});
  CHECK(http(s.url(), "GET", "/v1/auth/me").status == 401);
}

TEST_CASE("logout revokes the session: that JWT then answers 401, others keep working",
          "[auth][logout]") {
  Secud s;
  auto owner = signup_account(s, "ivy@acme.test");
  const auto other = login_token(s, "ivy@acme.test");
  auto out = http(s.url(), "POST", "/v1/auth/logout", {}, bearer(owner.token));
  REQUIRE(out.status == 200);
  CHECK(out.json() == json{{"revoked", true}});
  CHECK(row_count(s, "audit_log", "action = 'auth.logout'") == 1);
  auto after = http(s.url(), "GET", "/v1/auth/me", {}, bearer(owner.token));
  REQUIRE(after.status == 401);
  CHECK(after.json()["error"]["message"].get<std::string>().find("revoked") != std::string::npos);
  CHECK(http(s.url(), "POST", "/v1/auth/logout", {}, bearer(owner.token)).status == 401);
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, bearer(other)).status == 200);
  // The admin token is not a session.
  auto adm = admin(s, "POST", "/v1/auth/logout");
  CHECK(adm.status == 400);
  CHECK(adm.json()["error"]["code"] == "not_a_session");
}

TEST_CASE("sessions survive a restart of secud", "[auth][sessions]") {
  Secud s;
  auto owner = signup_account(s, "jack@acme.test");
  REQUIRE(s.stop() == 0);
  s.start();
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, bearer(owner.token)).status == 200);
}

TEST_CASE("forged, expired, foreign and tampered JWTs answer 401", "[auth][jwt]") {
  Secud s;
  auto owner = signup_account(s, "kate@acme.test");
  // The sid of the owner's live session, read from the token's payload.
  const auto payload_b64 = owner.token.substr(owner.token.find('.') + 1,
                                              owner.token.rfind('.') - owner.token.find('.') - 1);
  const auto payload = json::parse(secu::crypto::base64url_decode(payload_b64).value());
  secu::jwt::Claims c;
  c.sub = owner.user_id;
  c.org_id = owner.org_id;
  c.role = "owner";
  c.sid = payload["sid"];
  const int64_t now = secu::now_ms() / 1000;
  c.iat = now - 100;
  c.exp = now + 600;
  // Control: a token we forge with the daemon's key and a live sid is accepted...
  REQUIRE(http(s.url(), "GET", "/v1/auth/me", {}, bearer(forge_jwt(s, c))).status == 200);

  auto expect_401 = [&](const std::string& token, const char* what) {
    INFO(what);
    auto r = http(s.url(), "GET", "/v1/auth/me", {}, bearer(token));
    CHECK(r.status == 401);
    CHECK(r.json()["error"]["code"] == "unauthenticated");
  };
  auto expired = c;
  expired.exp = now - 1;
  expect_401(forge_jwt(s, expired), "expired");
  auto unknown_session = c;
  unknown_session.sid = "ses_doesnotexist";
  expect_401(forge_jwt(s, unknown_session), "no such session");
  auto other_user = c;
  other_user.sub = "usr_someoneelse";
  expect_401(forge_jwt(s, other_user), "session of another user");
  expect_401(forge_raw(s, R"({"alg":"none","typ":"JWT"})", payload.dump()), "alg none");
  expect_401(forge_raw(s, R"({"alg":"HS256","typ":"JWT"})", payload.dump()), "alg HS256");
  // Signed by another key.
  auto foreign = secu::crypto::signing_key_generate();
  expect_401(secu::jwt::sign(foreign, c), "foreign key");
  // Escalation attempt: role claim changed, signature kept.
  auto escalated = c;
  escalated.role = "platform_admin";
  const auto esc = forge_jwt(s, escalated);
  expect_401(owner.token.substr(0, owner.token.find('.') + 1) +
                 esc.substr(esc.find('.') + 1, esc.rfind('.') - esc.find('.') - 1) +
                 owner.token.substr(owner.token.rfind('.')),
             "payload swapped");
  expect_401("garbage", "garbage");
  expect_401("sk_secu_notakey", "agent-key shaped");
  // A role claim is informational: a forged "platform_admin" with a live sid still acts as
  // the user's real role.
  auto lists = http(s.url(), "POST", "/v1/orgs", json{{"name", "x"}}.dump(),
                    bearer(forge_jwt(s, escalated)));
  CHECK(lists.status == 403);
  // Malformed Authorization headers.
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, {{"Authorization", "Basic abc"}}).status == 401);
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, {{"Authorization", "Bearer "}}).status == 401);
}
