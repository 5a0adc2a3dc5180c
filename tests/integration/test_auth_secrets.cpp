// The secret scan: every plain password and token used by the identity flows is looked for in
// secud's database files, its log, and every response — and found only in the responses that
// are meant to carry it.
#include <algorithm>
#include <catch2/catch.hpp>

#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

TEST_CASE("no password or token leaks into the database, the log or other responses",
          "[auth][secrets]") {
  Secud s;
  const std::string owner_pw = "owner-Pa55word-7c1e9";
  const std::string member_pw = "member-Pa55word-2b8d4";
  const std::string wrong_pw = "wrong-Pa55word-9f0a1";
  struct Exchange {
    std::string what;
    Response r;
    std::vector<std::string> may_carry;  // secrets this response is meant to carry
  };
  std::vector<Exchange> log;
  auto call = [&](const std::string& what, const std::string& method, const std::string& path,
                  const std::string& body, const Headers& h) -> const Response& {
    log.push_back({what, http(s.url(), method, path, body, h), {}});
    INFO(what << ": " << log.back().r.body);
    REQUIRE(log.back().r.status < 500);
    return log.back().r;
  };

  // Signup (with an idempotency key, so a sealed answer is stored), replay, login, a failed
  // login, user create, member login, magic link, verification, me, lists, state, logout.
  const json signup_body = {
      {"email", "leak@test.test"}, {"password", owner_pw}, {"idempotency_key", "leak-check-1"}};
  const auto up = call("signup", "POST", "/v1/auth/signup", signup_body.dump(), {}).json();
  const std::string t_signup = up["token"], t_verify = up["verification_token"];
  log.back().may_carry = {t_signup, t_verify};
  call("signup replay", "POST", "/v1/auth/signup", signup_body.dump(), {});
  log.back().may_carry = {t_signup, t_verify};
  const std::string t_login =
      call("login", "POST", "/v1/auth/login",
           json{{"email", "leak@test.test"}, {"password", owner_pw}}.dump(), {})
          .json()["token"];
  log.back().may_carry = {t_login};
  call("failed login", "POST", "/v1/auth/login",
       json{{"email", "leak@test.test"}, {"password", wrong_pw}}.dump(), {});
  call("create user", "POST", "/v1/users",
       json{{"email", "member@test.test"}, {"password", member_pw}}.dump(), bearer(t_login));
  const std::string t_member =
      call("member login", "POST", "/v1/auth/login",
           json{{"email", "member@test.test"}, {"password", member_pw}}.dump(), {})
          .json()["token"];
  log.back().may_carry = {t_member};
  const std::string t_magic = call("magic start", "POST", "/v1/auth/magic/start",
                                   json{{"email", "member@test.test"}}.dump(), {})
                                  .json()["token"];
  log.back().may_carry = {t_magic};
  const std::string t_magic_session =
      call("magic callback", "GET", "/v1/auth/magic/callback?token=" + t_magic, {}, {})
          .json()["token"];
  log.back().may_carry = {t_magic_session};
  const std::string t_verify_session =
      call("verify callback", "GET", "/v1/auth/verify/callback?token=" + t_verify, {}, {})
          .json()["token"];
  log.back().may_carry = {t_verify_session};
  const std::string t_verify2 =
      call("verify start", "POST", "/v1/auth/verify/start", "{}", bearer(t_member)).json()["token"];
  log.back().may_carry = {t_verify2};
  call("me", "GET", "/v1/auth/me", {}, bearer(t_login));
  call("users", "GET", "/v1/users", {}, bearer(t_login));
  call("orgs", "GET", "/v1/orgs", {}, bearer(t_login));
  call("state", "GET", "/v1/state", {}, bearer(t_login));
  call("admin state", "GET", "/v1/state", {}, {{"X-Secu-Admin-Token", s.admin_token()}});
  call("logout", "POST", "/v1/auth/logout", {}, bearer(t_login));
  call("revoked me", "GET", "/v1/auth/me", {}, bearer(t_login));

  const std::vector<std::pair<std::string, std::string>> secrets = {
      {"owner password", owner_pw},
      {"member password", member_pw},
      {"wrong password", wrong_pw},
      {"signup JWT", t_signup},
      {"login JWT", t_login},
      {"member JWT", t_member},
      {"magic token", t_magic},
      {"magic session JWT", t_magic_session},
      {"verification token", t_verify},
      {"second verification token", t_verify2},
      {"verify session JWT", t_verify_session},
      {"admin token", s.admin_token()},
  };
  // JWT signatures alone (the last part) are secret too: a log that cut the token at a dot
  // would still leak the session.
  std::vector<std::pair<std::string, std::string>> needles = secrets;
  for (const auto& [name, v] : secrets) {
    if (std::count(v.begin(), v.end(), '.') == 2)
      needles.push_back({name + " signature", v.substr(v.rfind('.') + 1)});
  }

  REQUIRE(s.stop() == 0);  // flush everything: the log, the WAL checkpoint
  const std::string db = database_bytes(s);
  const std::string err = s.err();
  const std::string out = s.out();
  REQUIRE(db.size() > 4096);
  for (const auto& [name, v] : needles) {
    INFO(name);
    CHECK(db.find(v) == std::string::npos);
    CHECK(err.find(v) == std::string::npos);
    if (name != "admin token") CHECK(out.find(v) == std::string::npos);  // banner prints it
    for (const auto& ex : log) {
      const bool allowed =
          std::find_if(ex.may_carry.begin(), ex.may_carry.end(), [&](const std::string& m) {
            return m == v || (m.size() > v.size() && m.find(v) != std::string::npos);
          }) != ex.may_carry.end();
      if (allowed) continue;
      INFO(ex.what);
      CHECK(ex.r.body.find(v) == std::string::npos);
      for (const auto& [k, hv] : ex.r.headers)
        CHECK(hv.find(v) == std::string::npos);
    }
  }
}
