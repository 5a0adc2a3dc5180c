// The secret scan: every plain password and token used by the identity flows is looked for in
// secud's database files, its log, and every response — and found only in the responses that
// are meant to carry it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>

#include "secu/crypto.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"
#include "support/identity_helpers.hpp"
#include "support/peers.hpp"

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

// The wider scan: the governance and data-plane secrets too — a vendor's api key, an agent key,
// the JWT signing and master keys, the SMTP password and the tokens only mailed, and the secrets
// rotated in and out (vendor key, agent key, admin token) — looked for in
// the database files, the log, every response (the audit exports included) and, for the vendor
// key, everything but the upstream call that must carry it.
TEST_CASE("no vendor api key, agent key, server key or mailed token leaks", "[auth][secrets]") {
  if (!node_peers_available()) {
    WARN("skipped: run packaging/install-deps.sh (node and tests/peers/node_modules)");
    return;
  }
  REQUIRE(secu::crypto::init().ok());
  SmtpSink sink;
  Upstream up;
  TempDir tmp;
  const std::string smtp_pw = "smtp-Secret-pw-5e2d71";
  const std::string pw_file = tmp.path() + "/smtp.pw";
  std::ofstream(pw_file) << smtp_pw << "\n";
  Secud s(with_args({"--smtp-url", sink.url(), "--smtp-user", "secud", "--smtp-password-file",
                     pw_file, "--mail-from", "noreply@secu.test", "--public-url",
                     "https://secu.example.test/"}));
  const std::string owner_pw = "owner-Pa55word-e61b0";
  const std::string vendor_key = "vendor-api-key-4f1c9e7d2a";

  struct Exchange {
    std::string what;
    Response r;
    std::vector<std::string> may_carry;
  };
  std::vector<Exchange> log;
  auto call = [&](const std::string& what, const std::string& method, const std::string& path,
                  const std::string& body, const Headers& h) -> const Response& {
    log.push_back({what, http(s.url(), method, path, body, h), {}});
    INFO(what << ": " << log.back().r.body);
    REQUIRE(log.back().r.status < 500);
    return log.back().r;
  };

  // Signup (verification mailed), login, vendor with an api key, agent, agent key, gateway call,
  // magic link (mailed), then everything that reads those records back.
  const auto signup = call("signup", "POST", "/v1/auth/signup",
                           json{{"email", "hy@giene.test"}, {"password", owner_pw}}.dump(), {})
                          .json();
  const std::string t_signup = signup["token"];
  log.back().may_carry = {t_signup};
  const std::string org = signup["org"]["id"];
  const std::string t_login =
      call("login", "POST", "/v1/auth/login",
           json{{"email", "hy@giene.test"}, {"password", owner_pw}}.dump(), {})
          .json()["token"];
  log.back().may_carry = {t_login};
  const auto as_owner = bearer(t_login);
  const std::string policy =
      call("policy", "POST", "/v1/policies",
           json{{"org_id", org}, {"name", "all"}, {"allowed_actions", json::array()}}.dump(),
           as_owner)
          .json()["id"];
  const std::string agent =
      call("agent", "POST", "/v1/agents",
           json{{"org_id", org}, {"name", "bot"}, {"policy_ids", {policy}}, {"daily_budget", 10}}
               .dump(),
           as_owner)
          .json()["id"];
  const std::string vendor = call("vendor", "POST", "/v1/vendors",
                                  json{{"org_id", org},
                                       {"name", "v"},
                                       {"base_url", up.base_url()},
                                       {"api_key", vendor_key},
                                       {"auth_type", "bearer"}}
                                      .dump(),
                                  as_owner)
                                 .json()["id"];
  const auto key = call("agent key", "POST", "/v1/keys",
                        json{{"agent_id", agent}, {"vendor_id", vendor}}.dump(), as_owner)
                       .json();
  const std::string agent_key = key["key"];
  log.back().may_carry = {agent_key};
  const auto echo = call("gateway", "POST", "/v1/gateway/echo/x", R"({"q":1})",
                         {{"Authorization", "Bearer " + agent_key}});
  REQUIRE(echo.status == 200);
  // The vendor got its credential (the upstream echoes the headers it received): this answer
  // is the upstream's and carries it by design; the gateway must not leak it anywhere else.
  log.back().may_carry = {vendor_key, agent_key};
  call("magic start", "POST", "/v1/auth/magic/start", json{{"email", "hy@giene.test"}}.dump(), {});
  const auto mails = sink.wait_for(2);
  REQUIRE(mails.size() == 2);
  std::vector<std::string> mailed;
  for (const auto& m : mails) {
    const std::string text = m["text"];
    const auto at = text.find("token=");
    REQUIRE(at != std::string::npos);
    auto end = text.find_first_of(" \r\n", at);
    mailed.push_back(text.substr(at + 6, end == std::string::npos ? end : end - at - 6));
  }
  // Rotations: the vendor's api key, the agent key (with a grace period, so the old key is
  // used once more) and the admin token. Each new secret is in its rotate answer (shown once)
  // and, for the vendor key, in the upstream's echo; nowhere else. The old ones stay needles.
  const std::string vendor_key2 = "vendor-api-key-rotated-8d3a61";
  call("vendor rotate-key", "POST", "/v1/vendors/" + vendor + "/rotate-key",
       json{{"api_key", vendor_key2}}.dump(), as_owner);
  const auto rotated =
      call("agent key rotate", "POST", "/v1/keys/" + key["id"].get<std::string>() + "/rotate",
           R"({"grace_seconds":600})", as_owner)
          .json();
  const std::string agent_key2 = rotated["key"];
  log.back().may_carry = {agent_key2};
  REQUIRE(call("gateway, old key in its grace", "POST", "/v1/gateway/echo/x", R"({"q":2})",
               {{"Authorization", "Bearer " + agent_key}})
              .status == 200);
  log.back().may_carry = {vendor_key2, agent_key};
  REQUIRE(call("gateway, new key", "POST", "/v1/gateway/echo/x", R"({"q":3})",
               {{"Authorization", "Bearer " + agent_key2}})
              .status == 200);
  log.back().may_carry = {vendor_key2, agent_key2};
  const std::string admin_token1 = s.admin_token();
  const std::string admin_token2 =
      call("admin token rotate", "POST", "/v1/admin/rotate-admin-token", "{}",
           {{"X-Secu-Admin-Token", admin_token1}})
          .json()["admin_token"];
  log.back().may_carry = {admin_token2};
  REQUIRE(admin_token2 != admin_token1);
  call("old admin token", "GET", "/v1/state", {}, {{"X-Secu-Admin-Token", admin_token1}});
  REQUIRE(log.back().r.status == 401);
  call("JWT key rotate", "POST", "/v1/admin/rotate-jwt-key", "{}",
       {{"X-Secu-Admin-Token", admin_token2}});
  // A session signed by the new JWT key (the reads below still use the old key's session).
  const std::string t_login2 =
      call("login after the JWT key rotation", "POST", "/v1/auth/login",
           json{{"email", "hy@giene.test"}, {"password", owner_pw}}.dump(), {})
          .json()["token"];
  log.back().may_carry = {t_login2};
  REQUIRE(call("me with a new-key JWT", "GET", "/v1/auth/me", {}, bearer(t_login2)).status == 200);

  for (const auto& path : std::vector<std::string>{
           "/v1/keys/" + rotated["id"].get<std::string>(), "/v1/vendors/" + vendor,
           "/v1/vendors?org_id=" + org, "/v1/keys/" + key["id"].get<std::string>(),
           "/v1/keys?org_id=" + org, "/v1/agents/" + agent, "/v1/state", "/v1/billing/events",
           "/v1/audit/export.jsonl", "/v1/audit/export.csv"}) {
    call("GET " + path, "GET", path, {}, as_owner);
  }
  call("admin state", "GET", "/v1/state", {}, {{"X-Secu-Admin-Token", s.admin_token()}});
  call("admin export", "GET", "/v1/audit/export.jsonl?org_id=" + org, {},
       {{"X-Secu-Admin-Token", s.admin_token()}});
  // The whole log, platform-level entries (the admin token and JWT key rotations) included.
  const auto& full = call("admin full export", "GET", "/v1/audit/export.jsonl", {},
                          {{"X-Secu-Admin-Token", s.admin_token()}});
  for (const char* action :
       {"admin.rotate_token", "admin.rotate_jwt_key", "vendor.rotate_key", "key.rotate"}) {
    INFO(action);
    CHECK(full.body.find(std::string("\"action\":\"") + action + "\"") != std::string::npos);
  }

  const auto key_file = [&](const std::string& name) {
    auto t = slurp(s.data_dir() + "/" + name);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r'))
      t.pop_back();
    return t;
  };
  std::vector<std::pair<std::string, std::string>> needles = {
      {"owner password", owner_pw},
      {"vendor api key", vendor_key},
      {"agent key", agent_key},
      {"SMTP password", smtp_pw},
      {"admin token", admin_token1},
      {"rotated-in vendor api key", vendor_key2},
      {"rotated-in agent key", agent_key2},
      {"rotated-in admin token", admin_token2},
      {"mailed verification token", mailed[0]},
      {"mailed magic token", mailed[1]},
      {"login JWT signature", t_login.substr(t_login.rfind('.') + 1)},
      {"new-key login JWT signature", t_login2.substr(t_login2.rfind('.') + 1)},
  };
  for (const char* f : {"signing.key", "master.key"}) {
    const auto b64 = key_file(f);
    REQUIRE(b64.size() >= 40);
    needles.push_back({std::string(f) + " (base64url)", b64});
    const auto raw = secu::crypto::base64url_decode(b64).value();
    needles.push_back({std::string(f) + " (raw)", raw});
    needles.push_back({std::string(f) + " (hex)", secu::crypto::hex_encode(raw)});
    needles.push_back({std::string(f) + " (base64)", secu::crypto::base64_encode(raw)});
  }

  REQUIRE(s.stop() == 0);
  const std::string db = database_bytes(s);
  const std::string err = s.err();
  const std::string out = s.out();
  for (const auto& [name, v] : needles) {
    INFO(name);
    CHECK(db.find(v) == std::string::npos);
    CHECK(err.find(v) == std::string::npos);
    if (name != "admin token") CHECK(out.find(v) == std::string::npos);  // banner prints it
    for (const auto& ex : log) {
      // A response carrying a secret carries its parts too (a JWT its signature).
      if (std::any_of(ex.may_carry.begin(), ex.may_carry.end(),
                      [&](const std::string& m) { return m.find(v) != std::string::npos; }))
        continue;
      INFO(ex.what);
      CHECK(ex.r.body.find(v) == std::string::npos);
      for (const auto& [k, hv] : ex.r.headers)
        CHECK(hv.find(v) == std::string::npos);
    }
  }
}
