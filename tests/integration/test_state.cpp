// GET /v1/state: the redacted snapshot, scoped by principal.
#include <catch2/catch.hpp>

#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {
const char* const kAreas[] = {"orgs",    "users", "agents",    "policies",
                              "vendors", "keys",  "approvals", "billing_settings"};

void check_shape(const json& j) {
  REQUIRE(j.is_object());
  CHECK(j.size() == std::size(kAreas));
  for (const char* a : kAreas) {
    INFO(a);
    REQUIRE(j.contains(a));
    CHECK(j[a].is_array());
  }
}

// No secret-bearing field or value anywhere in the snapshot.
void check_redacted(const json& j) {
  const std::string text = j.dump();
  for (const char* needle : {"password", "$argon2", "token", "b2:", "hash", "sealed", "secret"}) {
    INFO(needle);
    CHECK(text.find(needle) == std::string::npos);
  }
}
}  // namespace

TEST_CASE("state is the caller's org, every area present, nothing secret", "[state]") {
  Secud s;
  auto a = signup_account(s, "sue@a.test", "A");
  auto b = signup_account(s, "tim@b.test", "B");
  add_user(s, a.org_id, "ursula@a.test", "viewer");
  auto r = http(s.url(), "GET", "/v1/state", {}, bearer(a.token));
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto j = r.json();
  check_shape(j);
  check_redacted(j);
  REQUIRE(j["orgs"].size() == 1);
  CHECK(j["orgs"][0]["id"] == a.org_id);
  CHECK(j["users"].size() == 2);
  for (const auto& u : j["users"])
    CHECK(u["org_id"] == a.org_id);
  CHECK(r.body.find(b.org_id) == std::string::npos);
  CHECK(r.body.find("tim@b.test") == std::string::npos);
  // Naming its own org is the same; another org is 404.
  CHECK(http(s.url(), "GET", "/v1/state?org_id=" + a.org_id, {}, bearer(a.token)).json() == j);
  CHECK(http(s.url(), "GET", "/v1/state?org_id=" + b.org_id, {}, bearer(a.token)).status == 404);
}

TEST_CASE("the platform admin's state holds every org, or the one named", "[state]") {
  Secud s;
  auto a = signup_account(s, "vic@a.test", "A");
  auto b = signup_account(s, "wes@b.test", "B");
  auto all = admin(s, "GET", "/v1/state");
  REQUIRE(all.status == 200);
  check_shape(all.json());
  check_redacted(all.json());
  CHECK(all.json()["orgs"].size() == 2);
  CHECK(all.json()["users"].size() == 2);
  auto one = admin(s, "GET", "/v1/state?org_id=" + b.org_id);
  REQUIRE(one.status == 200);
  REQUIRE(one.json()["orgs"].size() == 1);
  CHECK(one.json()["orgs"][0]["id"] == b.org_id);
  CHECK(one.json()["users"][0]["email"] == "wes@b.test");
  CHECK(admin(s, "GET", "/v1/state?org_id=org_nope").status == 404);
  (void)a;
}
