// Key rotation (issue 10): the admin token, a vendor's api key, agent keys (with a grace period)
// and the console JWT signing key. For each: the rotation works, the old credential behaves as
// specified (dead at once, dead after its grace, or valid until its own expiry), refused calls
// (bad input, unknown or another org's ids, no or wrong credentials) write nothing, and the
// audit entry is there without the secret.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

// The audit entries of `action` in the full export (as the platform admin).
std::vector<json> audit_entries(const Secud& s, const std::string& action) {
  auto r = admin(s, "GET", "/v1/audit/export.jsonl");
  REQUIRE(r.status == 200);
  std::vector<json> out;
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("action", "") == action) out.push_back(j);
  }
  return out;
}

// What the upstream echo saw in the Authorization header of one gateway call.
std::string upstream_authorization(const Secud& s, const std::string& agent_key) {
  auto r = gw(s, agent_key, "GET", "/echo/x");
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto echo = r.json();  // named: a range-for over a temporary's member dangles
  for (const auto& [k, v] : echo["headers"].items()) {
    std::string lower = k;
    for (auto& ch : lower)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "authorization") return v[0].get<std::string>();
  }
  return {};
}

void expect(const Response& r, int status, const std::string& what, const std::string& field = {}) {
  INFO(what << " → " << r.status << " " << r.body);
  CHECK(r.status == status);
  if (status >= 400) {
    CHECK(r.json()["error"]["code"].is_string());
    if (!field.empty()) CHECK(r.json()["error"].value("field", "") == field);
  }
}

// The JSON of a JWT's header.
json jwt_header(const std::string& token) {
  return json::parse(secu::crypto::base64url_decode(token.substr(0, token.find('.'))).value());
}
json jwt_claims(const std::string& token) {
  const auto a = token.find('.'), b = token.rfind('.');
  return json::parse(secu::crypto::base64url_decode(token.substr(a + 1, b - a - 1)).value());
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("rotate-admin-token: a new token once, the old one dead at once", "[rotation]") {
  Secud s;
  const std::string old_token = s.admin_token();
  const auto org = make_org(s, "acme");
  const auto org_admin = make_user_token(s, org, "admin", "admin@acme.test");
  const auto viewer = make_user_token(s, org, "viewer", "viewer@acme.test");
  Upstream up;
  auto g = provision_gateway(s, gateway_options(up.base_url(), json::object()).in_org(org));
  const std::string path = "/v1/admin/rotate-admin-token";

  // Refused: nothing rotates (the old token keeps working, no audit entry).
  expect(http(s.url(), "POST", path, "{}"), 401, "no credentials");
  expect(http(s.url(), "POST", path, "{}", {{"X-Secu-Admin-Token", "secu_admin_wrong"}}), 401,
         "a wrong admin token");
  expect(http(s.url(), "POST", path, "{}", bearer("garbage.x.y")), 401, "a garbage bearer");
  expect(http(s.url(), "POST", path, "{}", bearer(org_admin)), 403, "an org admin");
  expect(http(s.url(), "POST", path, "{}", bearer(viewer)), 403, "a viewer");
  expect(http(s.url(), "POST", path, "{}", bearer(g.key)), 403, "an agent key");
  expect(admin(s, "POST", path, R"({"token":"mine"})"), 400, "a field");
  expect(admin(s, "POST", path, "[1]"), 400, "not an object");
  expect(admin(s, "POST", path, "{"), 400, "bad JSON");
  CHECK(s.admin_token() == old_token);
  CHECK(admin(s, "GET", "/v1/orgs").status == 200);
  CHECK(audit_entries(s, "admin.rotate_token").empty());

  auto r = http(s.url(), "POST", path, "", {{"X-Secu-Admin-Token", old_token}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  const std::string fresh = r.json()["admin_token"];
  CHECK(fresh.rfind("secu_admin_", 0) == 0);
  CHECK(fresh.size() > 40);
  CHECK(fresh != old_token);
  CHECK(r.json()["admin_token_file_updated"] == true);
  CHECK(r.json()["rotated_at"].is_string());
  // The data dir's admin.token holds the new token (still 0600).
  CHECK(s.admin_token() == fresh);
  CHECK((file_mode(s.data_dir() + "/admin.token") & 0777) == 0600);

  // The very next request: old → 401, new → 200.
  expect(http(s.url(), "GET", "/v1/orgs", "", {{"X-Secu-Admin-Token", old_token}}), 401,
         "the old token");
  expect(http(s.url(), "GET", "/v1/orgs", "", {{"X-Secu-Admin-Token", fresh}}), 200,
         "the new token");
  // The old token cannot rotate again either.
  expect(http(s.url(), "POST", path, "{}", {{"X-Secu-Admin-Token", old_token}}), 401,
         "rotating with the old token");

  // Audited once, with neither token.
  auto entries = audit_entries(s, "admin.rotate_token");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["actor"]["type"] == "admin");
  CHECK(entries[0].dump().find(fresh) == std::string::npos);
  CHECK(entries[0].dump().find(old_token) == std::string::npos);
  CHECK(entries[0].dump().find(fresh.substr(11, 12)) == std::string::npos);

  // A restart keeps the rotation (only the hash is stored, and it is the new one's).
  REQUIRE(s.stop() == 0);
  s.start();
  expect(http(s.url(), "GET", "/v1/orgs", "", {{"X-Secu-Admin-Token", old_token}}), 401,
         "the old token after a restart");
  expect(http(s.url(), "GET", "/v1/orgs", "", {{"X-Secu-Admin-Token", fresh}}), 200,
         "the new token after a restart");
  CHECK(s.err().find(fresh) == std::string::npos);
}

TEST_CASE("secuctl admin rotate-admin-token: prints it once and updates the stored credential",
          "[rotation][cli]") {
  Secud s;
  // Through --data-dir (the data dir's admin.token): secud rewrote the file already.
  auto a = secuctl({"--addr", s.url(), "--data-dir", s.data_dir(), "admin", "rotate-admin-token"});
  INFO(a.out << a.err);
  REQUIRE(a.exit_code == 0);
  const std::string t1 = s.admin_token();
  CHECK(a.out.find(t1) != std::string::npos);
  CHECK(a.err.find("already holds the new token") != std::string::npos);

  // -q: only the token.
  auto q =
      secuctl({"--addr", s.url(), "--data-dir", s.data_dir(), "-q", "admin", "rotate-admin-token"});
  INFO(q.out << q.err);
  REQUIRE(q.exit_code == 0);
  const std::string t2 = s.admin_token();
  CHECK(q.out == t2 + "\n");
  CHECK(t2 != t1);

  // A context whose --admin-token-file is a copy elsewhere: secuctl rewrites that copy.
  TempDir home;
  const std::string copy = home.path() + "/admin.token";
  write_file(copy, t2 + "\n");
  REQUIRE(::chmod(copy.c_str(), 0600) == 0);
  const std::map<std::string, std::string> env = {{"HOME", home.path()},
                                                  {"XDG_CONFIG_HOME", home.path() + "/cfg"}};
  REQUIRE(secuctl({"config", "set-context", "ops", "--addr", s.url(), "--admin-token-file", copy,
                   "--use"},
                  env)
              .exit_code == 0);
  auto c = secuctl({"-q", "admin", "rotate-admin-token"}, env);
  INFO(c.out << c.err);
  REQUIRE(c.exit_code == 0);
  const std::string t3 = s.admin_token();
  CHECK(c.out == t3 + "\n");
  CHECK(slurp(copy) == t3 + "\n");
  CHECK((file_mode(copy) & 0777) == 0600);
  CHECK(c.err.find("updated " + copy) != std::string::npos);
  // The context works with the rewritten file.
  CHECK(secuctl({"orgs", "list"}, env).exit_code == 0);

  // --admin-token: nothing to update; the operator is told.
  auto f = secuctl({"--addr", s.url(), "--admin-token", t3, "admin", "rotate-admin-token"});
  INFO(f.out << f.err);
  REQUIRE(f.exit_code == 0);
  CHECK(f.err.find("SECU_ADMIN_TOKEN") != std::string::npos);
  // The old token now fails with the auth exit code.
  CHECK(secuctl({"--addr", s.url(), "--admin-token", t3, "orgs", "list"}).exit_code == 3);
}

TEST_CASE("vendor rotate-key: the next gateway call carries the new key", "[rotation]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(s, gateway_options(up.base_url(), json::object()));
  const auto other_org = make_org(s, "other");
  auto other = provision_gateway(s, gateway_options(up.base_url(), json::object())
                                        .in_org(other_org)
                                        .auth("bearer", "", "other-vendor-key-55555"));
  const auto org_admin = make_user_token(s, g.org, "admin", "admin@v.test");
  const auto viewer = make_user_token(s, g.org, "viewer", "viewer@v.test");
  const auto b_admin = make_user_token(s, other_org, "admin", "admin@other.test");
  CHECK(upstream_authorization(s, g.key) == "Bearer vendor-secret-0123456789");

  const std::string path = "/v1/vendors/" + g.vendor + "/rotate-key";
  const std::string new_key = "vendor-rotated-key-7a6b5c4d";
  const std::string body = json{{"api_key", new_key}}.dump();
  // Refused: nothing written.
  expect(http(s.url(), "POST", path, body), 401, "no credentials");
  expect(http(s.url(), "POST", path, body, bearer("garbage.x.y")), 401, "garbage");
  expect(http(s.url(), "POST", path, body, bearer(g.key)), 403, "an agent key");
  expect(http(s.url(), "POST", path, body, bearer(viewer)), 403, "a viewer");
  expect(http(s.url(), "POST", path, body, bearer(b_admin)), 404, "another org's admin");
  expect(
      http(s.url(), "POST", "/v1/vendors/" + other.vendor + "/rotate-key", body, bearer(org_admin)),
      404, "another org's vendor");
  expect(http(s.url(), "POST", "/v1/vendors/vnd_doesnotexist/rotate-key", body, bearer(org_admin)),
         404, "an unknown vendor");
  for (const auto& [bad, field] : std::vector<std::pair<std::string, std::string>>{
           {"{}", "api_key"},
           {R"({"api_key":5})", "api_key"},
           {R"({"api_key":""})", "api_key"},
           {R"({"api_key":null})", "api_key"},
           {R"({"api_key":["x"]})", "api_key"},
           {R"({"api_key":"bad\nkey-123456"})", "api_key"},
           {json{{"api_key", new_key}, {"base_url", "http://evil"}}.dump(), "base_url"}}) {
    expect(http(s.url(), "POST", path, bad, bearer(org_admin)), 400, bad, field);
  }
  expect(http(s.url(), "POST", path, "", bearer(org_admin)), 400, "no body");
  expect(http(s.url(), "POST", path, "not json", bearer(org_admin)), 400, "bad JSON");
  CHECK(upstream_authorization(s, g.key) == "Bearer vendor-secret-0123456789");
  CHECK(upstream_authorization(s, other.key) == "Bearer other-vendor-key-55555");
  CHECK(audit_entries(s, "vendor.rotate_key").empty());

  auto r = http(s.url(), "POST", path, body, bearer(org_admin));
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json()["id"] == g.vendor);
  CHECK(r.json()["api_key"] == "…5c4d");
  CHECK(r.body.find(new_key) == std::string::npos);
  // The very next gateway call: the new key upstream; the other org's vendor untouched.
  CHECK(upstream_authorization(s, g.key) == "Bearer " + new_key);
  CHECK(upstream_authorization(s, other.key) == "Bearer other-vendor-key-55555");
  CHECK(admin(s, "GET", "/v1/vendors/" + g.vendor).json()["api_key"] == "…5c4d");

  auto entries = audit_entries(s, "vendor.rotate_key");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["target"] == g.vendor);
  CHECK(entries[0]["details"]["mask"] == "…5c4d");
  CHECK(entries[0]["details"]["old_mask"] == "…6789");
  CHECK(entries[0].dump().find(new_key) == std::string::npos);
  CHECK(entries[0].dump().find("vendor-secret-0123456789") == std::string::npos);

  // secuctl vendors rotate-key ID --api-key-file F (the platform admin, through --data-dir).
  TempDir tmp;
  const std::string third = "vendor-third-key-0f0e0d0c";
  write_file(tmp.path() + "/k", third + "\n");
  auto c = secuctl({"--addr", s.url(), "--data-dir", s.data_dir(), "-q", "vendors", "rotate-key",
                    g.vendor, "--api-key-file", tmp.path() + "/k"});
  INFO(c.out << c.err);
  REQUIRE(c.exit_code == 0);
  CHECK(c.out == g.vendor + "\n");
  CHECK(upstream_authorization(s, g.key) == "Bearer " + third);
  // From stdin too.
  auto c2 =
      secuctl({"--addr", s.url(), "--data-dir", s.data_dir(), "vendors", "rotate-key", g.vendor},
              {}, "vendor-fourth-key-9999aaaa\n");
  INFO(c2.out << c2.err);
  REQUIRE(c2.exit_code == 0);
  CHECK(upstream_authorization(s, g.key) == "Bearer vendor-fourth-key-9999aaaa");
  CHECK(secuctl({"--addr", s.url(), "--data-dir", s.data_dir(), "vendors", "rotate-key", "vnd_nope",
                 "--api-key-file", tmp.path() + "/k"})
            .exit_code == 4);

  // Sealed at rest: no rotated key in the database files.
  REQUIRE(s.stop() == 0);
  const auto db = database_bytes(s);
  for (const std::string& k : {new_key, third, std::string("vendor-fourth-key-9999aaaa")})
    CHECK(db.find(k) == std::string::npos);
}

TEST_CASE("key rotate: a new key, the old one until its grace ends", "[rotation]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(s, gateway_options(up.base_url(), json::object()));
  const auto other_org = make_org(s, "other");
  auto other =
      provision_gateway(s, gateway_options(up.base_url(), json::object()).in_org(other_org));
  const auto org_admin = make_user_token(s, g.org, "admin", "admin@k.test");
  const auto viewer = make_user_token(s, g.org, "viewer", "viewer@k.test");
  const auto b_admin = make_user_token(s, other_org, "admin", "admin@other.test");
  const std::string path = "/v1/keys/" + g.key_id + "/rotate";

  // Refused: nothing written.
  const auto keys_before = count_rows(s, "keys");
  expect(http(s.url(), "POST", path, "{}"), 401, "no credentials");
  expect(http(s.url(), "POST", path, "{}", bearer("garbage.x.y")), 401, "garbage");
  expect(http(s.url(), "POST", path, "{}", bearer(g.key)), 403, "an agent key");
  expect(http(s.url(), "POST", path, "{}", bearer(viewer)), 403, "a viewer");
  expect(http(s.url(), "POST", path, "{}", bearer(b_admin)), 404, "another org's admin");
  expect(http(s.url(), "POST", "/v1/keys/" + other.key_id + "/rotate", "{}", bearer(org_admin)),
         404, "another org's key");
  expect(http(s.url(), "POST", "/v1/keys/key_doesnotexist/rotate", "{}", bearer(org_admin)), 404,
         "an unknown key");
  for (const std::string bad :
       {R"({"grace_seconds":-1})", R"({"grace_seconds":86401})", R"({"grace_seconds":"1h"})",
        R"({"grace_seconds":1.5})", R"({"grace_seconds":true})", R"({"grace":60})", "[]", "nope"}) {
    expect(http(s.url(), "POST", path, bad, bearer(org_admin)), 400, bad);
  }
  CHECK(count_rows(s, "keys") == keys_before);
  CHECK(audit_entries(s, "key.rotate").empty());
  CHECK(gw(s, g.key, "GET", "/echo/x").status == 200);

  // With a grace period: both keys work, then only the new one.
  auto r = http(s.url(), "POST", path, R"({"grace_seconds":2})", bearer(org_admin));
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto j = r.json();
  const std::string k2 = j["key"], k2_id = j["id"];
  CHECK(k2.rfind("sk_secu_", 0) == 0);
  CHECK(k2 != g.key);
  CHECK(j["agent_id"] == g.agent);
  CHECK(j["vendor_id"] == g.vendor);
  CHECK(j["status"] == "active");
  CHECK(j["rotated_from"]["id"] == g.key_id);
  CHECK(j["rotated_from"]["rotated_to"] == k2_id);
  CHECK(j["rotated_from"]["expires_at"].is_string());
  CHECK(j["rotated_from"]["status"] == "active");
  CHECK(j["rotated_from"].dump().find(g.key) == std::string::npos);
  CHECK(gw(s, g.key, "GET", "/echo/x").status == 200);
  CHECK(gw(s, k2, "GET", "/echo/x").status == 200);
  // Rotating the old key again is refused (its successor is the one to rotate).
  expect(http(s.url(), "POST", path, "{}", bearer(org_admin)), 409, "rotating it again");
  std::this_thread::sleep_for(std::chrono::milliseconds(2300));
  expect(gw(s, g.key, "GET", "/echo/x"), 401, "the old key after its grace");
  CHECK(gw(s, k2, "GET", "/echo/x").status == 200);
  auto old_row = admin(s, "GET", "/v1/keys/" + g.key_id).json();
  CHECK(old_row["status"] == "expired");
  CHECK(old_row["rotated_to"] == k2_id);
  expect(http(s.url(), "POST", path, "{}", bearer(org_admin)), 409, "rotating an expired key");

  // Without a grace period (empty body: default 0): the old key is dead at once.
  auto r3 = http(s.url(), "POST", "/v1/keys/" + k2_id + "/rotate", "", bearer(org_admin));
  INFO(r3.body);
  REQUIRE(r3.status == 200);
  const std::string k3 = r3.json()["key"];
  CHECK(r3.json()["rotated_from"]["status"] == "revoked");
  expect(gw(s, k2, "GET", "/echo/x"), 401, "the rotated key without grace");
  CHECK(gw(s, k3, "GET", "/echo/x").status == 200);
  // A revoked key cannot be rotated.
  expect(http(s.url(), "POST", "/v1/keys/" + k2_id + "/rotate", "{}", bearer(org_admin)), 409,
         "rotating a revoked key");

  // Audited: key.rotate for each, with ids and prefixes, never a secret.
  auto entries = audit_entries(s, "key.rotate");
  REQUIRE(entries.size() == 2);
  for (const auto& e : entries) {
    for (const auto& secret : {g.key, k2, k3}) {
      CHECK(e.dump().find(secret) == std::string::npos);
      CHECK(e.dump().find(secret.substr(12)) == std::string::npos);
    }
  }
  CHECK(entries[0]["target"] == g.key_id);
  CHECK(entries[0]["details"]["grace_seconds"] == 2);
  CHECK(entries[0]["details"]["new_key_id"] == k2_id);

  // secuctl keys rotate ID --grace 1h (-q: only the secret).
  auto c = secuctl({"--addr", s.url(), "--data-dir", s.data_dir(), "-q", "keys", "rotate",
                    r3.json()["id"], "--grace", "1h"});
  INFO(c.out << c.err);
  REQUIRE(c.exit_code == 0);
  const std::string k4 = c.out.substr(0, c.out.find('\n'));
  CHECK(k4.rfind("sk_secu_", 0) == 0);
  CHECK(gw(s, k4, "GET", "/echo/x").status == 200);
  CHECK(gw(s, k3, "GET", "/echo/x").status == 200);  // in its hour of grace
  auto k3_row = admin(s, "GET", "/v1/keys/" + r3.json()["id"].get<std::string>()).json();
  CHECK(k3_row["expires_at"].is_string());
  CHECK(secuctl({"--addr", s.url(), "--data-dir", s.data_dir(), "keys", "rotate", r3.json()["id"],
                 "--grace", "forever"})
            .exit_code == 2);
  CHECK(secuctl({"--addr", s.url(), "--data-dir", s.data_dir(), "keys", "rotate", "key_nope"})
            .exit_code == 4);
}

TEST_CASE("rotate-jwt-key: old tokens valid until their expiry, new ones carry the new kid",
          "[rotation]") {
  Secud s;
  const auto owner = signup_account(s, "owner@jwt.test", "JWT Org");
  const auto member = add_user(s, owner.org_id, "member@jwt.test", "member");
  Upstream up;
  auto g =
      provision_gateway(s, gateway_options(up.base_url(), json::object()).in_org(owner.org_id));
  const std::string path = "/v1/admin/rotate-jwt-key";
  const std::string old_token = login_token(s, owner.email, owner.password);
  REQUIRE_FALSE(old_token.empty());
  CHECK_FALSE(jwt_header(old_token).contains("kid"));

  // A token of the old key that expires in 3 s (same live session as old_token).
  const std::string short_lived = reissue_jwt(s, old_token, -10, 3);
  CHECK(http(s.url(), "GET", "/v1/auth/me", "", bearer(short_lived)).status == 200);

  // Refused: no key made.
  expect(http(s.url(), "POST", path, "{}"), 401, "no credentials");
  expect(http(s.url(), "POST", path, "{}", bearer("garbage.x.y")), 401, "garbage");
  expect(http(s.url(), "POST", path, "{}", bearer(owner.token)), 403, "an org owner");
  expect(http(s.url(), "POST", path, "{}", bearer(member.token)), 403, "a member");
  expect(http(s.url(), "POST", path, "{}", bearer(g.key)), 403, "an agent key");
  expect(admin(s, "POST", path, R"({"kid":"mine"})"), 400, "a field");
  expect(admin(s, "POST", path, "[]"), 400, "not an object");
  CHECK(row_count(s, "jwt_signing_keys") == 0);
  CHECK(audit_entries(s, "admin.rotate_jwt_key").empty());

  auto r = admin(s, "POST", path);
  INFO(r.body);
  REQUIRE(r.status == 200);
  const std::string kid = r.json()["kid"];
  CHECK(kid.rfind("jwk_", 0) == 0);
  CHECK(r.json()["retired_kid"] == "signing.key");
  CHECK(r.json()["retired_tokens_valid_until"].is_string());

  // Old tokens: still valid. New tokens: the new kid, valid.
  expect(http(s.url(), "GET", "/v1/auth/me", "", bearer(old_token)), 200, "an old token");
  expect(http(s.url(), "GET", "/v1/auth/me", "", bearer(short_lived)), 200, "a short old token");
  const std::string new_token = login_token(s, member.email, member.password);
  REQUIRE_FALSE(new_token.empty());
  CHECK(jwt_header(new_token)["kid"] == kid);
  expect(http(s.url(), "GET", "/v1/auth/me", "", bearer(new_token)), 200, "a new token");

  // The retired key signs nothing new: a token it signed after its retirement is refused, and
  // so is one that names the new kid but carries the old key's signature.
  expect(http(s.url(), "GET", "/v1/auth/me", "", bearer(reissue_jwt(s, old_token, 5, 605))), 401,
         "an old-key token issued after the rotation");
  const auto p = jwt_claims(new_token).dump();
  expect(http(s.url(), "GET", "/v1/auth/me", "",
              bearer(forge_raw(s, R"({"alg":"EdDSA","kid":")" + kid + R"(","typ":"JWT"})", p))),
         401, "the new kid with the old key's signature");
  expect(http(s.url(), "GET", "/v1/auth/me", "",
              bearer(forge_raw(s, R"({"alg":"EdDSA","kid":"jwk_unknown","typ":"JWT"})", p))),
         401, "an unknown kid");
  expect(http(s.url(), "GET", "/v1/auth/me", "",
              bearer(forge_raw(s, R"({"alg":"EdDSA","typ":"JWT","kid":")" + kid + R"("})", p))),
         401, "a reordered header");

  // After its own expiry, the short-lived old token is refused.
  std::this_thread::sleep_for(std::chrono::milliseconds(3200));
  expect(http(s.url(), "GET", "/v1/auth/me", "", bearer(short_lived)), 401,
         "the short old token after its expiry");
  expect(http(s.url(), "GET", "/v1/auth/me", "", bearer(old_token)), 200,
         "a longer old token, still");

  // A second rotation: tokens of both earlier keys keep working; a restart loads the keys.
  auto r2 = admin(s, "POST", path, "{}");
  REQUIRE(r2.status == 200);
  CHECK(r2.json()["retired_kid"] == kid);
  REQUIRE(s.stop() == 0);
  s.start();
  expect(http(s.url(), "GET", "/v1/auth/me", "", bearer(old_token)), 200,
         "the first key's token after a restart");
  expect(http(s.url(), "GET", "/v1/auth/me", "", bearer(new_token)), 200,
         "the second key's token after a restart");
  const std::string third = login_token(s, member.email, member.password);
  CHECK(jwt_header(third)["kid"] == r2.json()["kid"]);

  // Once a retired key's tokens have all expired (verify_until passed: aged here by SQL), its
  // tokens are refused even with an exp still ahead.
  exec_sql(s, "UPDATE jwt_signing_keys SET verify_until = 1000 WHERE kid = ''");
  REQUIRE(s.stop() == 0);
  s.start();
  expect(http(s.url(), "GET", "/v1/auth/me", "", bearer(old_token)), 401,
         "the first key's token past its key's verify_until");
  expect(http(s.url(), "GET", "/v1/auth/me", "", bearer(new_token)), 200,
         "the second key's token, still");

  auto entries = audit_entries(s, "admin.rotate_jwt_key");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]["target"] == kid);
  CHECK(entries[0]["details"]["retired_kid"] == "signing.key");
  // The seeds are sealed: nothing in the rows reads as the data dir's key.
  const auto signing_b64 = slurp(s.data_dir() + "/signing.key");
  CHECK(database_bytes(s).find(signing_b64.substr(0, 40)) == std::string::npos);

  // secuctl admin rotate-jwt-key (-q: the new kid).
  auto cl =
      secuctl({"--addr", s.url(), "--data-dir", s.data_dir(), "-q", "admin", "rotate-jwt-key"});
  INFO(cl.out << cl.err);
  REQUIRE(cl.exit_code == 0);
  CHECK(cl.out.rfind("jwk_", 0) == 0);
  CHECK(row_count(s, "jwt_signing_keys") == 4);  // signing.key + three rotations
}
