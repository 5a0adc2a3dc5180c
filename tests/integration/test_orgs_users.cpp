// /v1/orgs and /v1/users: scoping by principal, creates, paging, conflicts.
#include <catch2/catch.hpp>
#include <set>

#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

TEST_CASE("the platform admin creates orgs, everyone lists only what they may see", "[orgs]") {
  Secud s;
  auto created = admin(s, "POST", "/v1/orgs", json{{"name", "  Globex  "}}.dump());
  INFO(created.body);
  REQUIRE(created.status == 200);
  auto org = created.json();
  CHECK(org["name"] == "Globex");
  CHECK(org["id"].get<std::string>().rfind("org_", 0) == 0);
  CHECK(org["created_at"].is_string());
  CHECK(row_count(s, "audit_log", "action = 'org.create' AND actor_type = 'admin'") == 1);

  auto a = signup_account(s, "ann@a.test", "A Corp");
  auto b = signup_account(s, "ben@b.test", "B Corp");
  auto all = admin(s, "GET", "/v1/orgs");
  REQUIRE(all.status == 200);
  REQUIRE(all.json()["orgs"].size() == 3);
  CHECK(all.json()["orgs"][0]["id"] == b.org_id);  // newest first
  CHECK_FALSE(all.json().contains("next_cursor"));

  auto mine = http(s.url(), "GET", "/v1/orgs", {}, bearer(a.token));
  REQUIRE(mine.status == 200);
  REQUIRE(mine.json()["orgs"].size() == 1);
  CHECK(mine.json()["orgs"][0]["id"] == a.org_id);
  CHECK(mine.body.find(b.org_id) == std::string::npos);

  // An owner is not the platform admin.
  auto denied = http(s.url(), "POST", "/v1/orgs", json{{"name", "Mine"}}.dump(), bearer(a.token));
  CHECK(denied.status == 403);
  CHECK(row_count(s, "orgs") == 3);
}

TEST_CASE("org lists page newest first with a cursor", "[orgs][paging]") {
  Secud s;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = admin(s, "POST", "/v1/orgs", json{{"name", "Org " + std::to_string(i)}}.dump());
    REQUIRE(r.status == 200);
    ids.push_back(r.json()["id"]);
  }
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto r = admin(s, "GET", "/v1/orgs?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(r.status == 200);
    const auto page = r.json();  // kept alive: the loop borrows from it
    for (const auto& o : page["orgs"])
      seen.push_back(o["id"]);
    cursor = page.value("next_cursor", "");
    ++pages;
  } while (!cursor.empty() && pages < 10);
  CHECK(pages == 3);
  CHECK(seen == std::vector<std::string>(ids.rbegin(), ids.rend()));
}

TEST_CASE("owners and admins create users in their org, the platform admin in any", "[users]") {
  Secud s;
  auto a = signup_account(s, "olive@a.test", "A");
  auto r =
      http(s.url(), "POST", "/v1/users",
           json{{"email", "Pete@A.test"}, {"password", kTestPassword}, {"role", "approver"}}.dump(),
           bearer(a.token));
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto u = r.json();
  CHECK(u["email"] == "pete@a.test");
  CHECK(u["role"] == "approver");
  CHECK(u["org_id"] == a.org_id);  // the creator's org by default
  CHECK(u["email_verified"] == false);
  CHECK_FALSE(u.contains("password"));
  CHECK_FALSE(u.contains("password_hash"));
  CHECK_FALSE(u.contains("last_login_at"));
  CHECK(row_count(s, "audit_log", "action = 'user.create' AND actor_id = '" + a.user_id + "'") ==
        1);
  // The new user can log in with the password given.
  CHECK_FALSE(login_token(s, "pete@a.test").empty());
  // Default role: member.
  auto d =
      http(s.url(), "POST", "/v1/users",
           json{{"email", "quin@a.test"}, {"password", kTestPassword}}.dump(), bearer(a.token));
  REQUIRE(d.status == 200);
  CHECK(d.json()["role"] == "member");

  // Duplicate email (any org, any case) → 409.
  auto dup = admin(
      s, "POST", "/v1/users",
      json{{"org_id", a.org_id}, {"email", "PETE@a.test"}, {"password", kTestPassword}}.dump());
  CHECK(dup.status == 409);
  CHECK(dup.json()["error"]["code"] == "email_taken");

  // The platform admin must say which org, and it must exist.
  auto no_org = admin(s, "POST", "/v1/users",
                      json{{"email", "r@a.test"}, {"password", kTestPassword}}.dump());
  CHECK(no_org.status == 400);
  CHECK(no_org.json()["error"]["field"] == "org_id");
  auto ghost = admin(
      s, "POST", "/v1/users",
      json{{"org_id", "org_nope"}, {"email", "r@a.test"}, {"password", kTestPassword}}.dump());
  CHECK(ghost.status == 404);

  // Weak input.
  auto weak = http(s.url(), "POST", "/v1/users",
                   json{{"email", "s@a.test"}, {"password", "short"}}.dump(), bearer(a.token));
  CHECK(weak.status == 400);
  CHECK(weak.json()["error"]["field"] == "password");
  auto bad_role =
      http(s.url(), "POST", "/v1/users",
           json{{"email", "s@a.test"}, {"password", kTestPassword}, {"role", "god"}}.dump(),
           bearer(a.token));
  CHECK(bad_role.status == 400);
  CHECK(bad_role.json()["error"]["field"] == "role");
}

TEST_CASE("user lists are scoped: another org's id answers 404 and leaks nothing",
          "[users][scope]") {
  Secud s;
  auto a = signup_account(s, "amy@a.test", "A");
  auto b = signup_account(s, "bob@b.test", "B");
  add_user(s, a.org_id, "al@a.test", "viewer");

  auto mine = http(s.url(), "GET", "/v1/users", {}, bearer(a.token));
  REQUIRE(mine.status == 200);
  std::set<std::string> emails;
  const auto listed = mine.json();
  for (const auto& u : listed["users"])
    emails.insert(u["email"]);
  CHECK(emails == std::set<std::string>{"amy@a.test", "al@a.test"});

  for (const std::string& path : {"/v1/users?org_id=" + a.org_id, "/v1/state?org_id=" + a.org_id}) {
    auto cross = http(s.url(), "GET", path, {}, bearer(b.token));
    INFO(path);
    CHECK(cross.status == 404);
    CHECK(cross.body.find("amy@a.test") == std::string::npos);
    CHECK(cross.body.find("al@a.test") == std::string::npos);
    // The same answer as for an org that does not exist: nothing to probe.
    auto nothing = http(s.url(), "GET", path.substr(0, path.find('=') + 1) + "org_doesnotexist", {},
                        bearer(b.token));
    auto x = cross.json()["error"], y = nothing.json()["error"];
    x.erase("request_id");
    y.erase("request_id");
    CHECK(x == y);
  }
  // Creating a user in org A as B's owner is the same 404.
  auto into_a =
      http(s.url(), "POST", "/v1/users",
           json{{"org_id", a.org_id}, {"email", "x@b.test"}, {"password", kTestPassword}}.dump(),
           bearer(b.token));
  CHECK(into_a.status == 404);
  CHECK(row_count(s, "users", "email = 'x@b.test'") == 0);

  // The platform admin sees all, or one org.
  auto all = admin(s, "GET", "/v1/users");
  CHECK(all.json()["users"].size() == 3);
  auto only_b = admin(s, "GET", "/v1/users?org_id=" + b.org_id);
  REQUIRE(only_b.json()["users"].size() == 1);
  CHECK(only_b.json()["users"][0]["email"] == "bob@b.test");
  CHECK(admin(s, "GET", "/v1/users?org_id=org_nope").status == 404);
}

TEST_CASE("user lists page with limit and cursor", "[users][paging]") {
  Secud s;
  auto a = signup_account(s, "boss@a.test", "A");
  for (int i = 0; i < 4; ++i)
    REQUIRE(http(s.url(), "POST", "/v1/users",
                 json{{"email", "u" + std::to_string(i) + "@a.test"}, {"password", kTestPassword}}
                     .dump(),
                 bearer(a.token))
                .status == 200);
  auto p1 = http(s.url(), "GET", "/v1/users?limit=3", {}, bearer(a.token));
  REQUIRE(p1.status == 200);
  REQUIRE(p1.json()["users"].size() == 3);
  CHECK(p1.json()["users"][0]["email"] == "u3@a.test");
  const std::string cursor = p1.json()["next_cursor"];
  auto p2 = http(s.url(), "GET", "/v1/users?limit=3&cursor=" + cursor, {}, bearer(a.token));
  REQUIRE(p2.json()["users"].size() == 2);
  CHECK(p2.json()["users"][1]["email"] == "boss@a.test");
  CHECK_FALSE(p2.json().contains("next_cursor"));
}

TEST_CASE("get one org or user within scope, another org's answers 404", "[orgs][users][scope]") {
  Secud s;
  auto a = signup_account(s, "gail@a.test", "A");
  auto b = signup_account(s, "hugo@b.test", "B");
  auto own = http(s.url(), "GET", "/v1/orgs/" + a.org_id, {}, bearer(a.token));
  REQUIRE(own.status == 200);
  CHECK(own.json()["name"] == "A");
  auto me = http(s.url(), "GET", "/v1/users/" + a.user_id, {}, bearer(a.token));
  REQUIRE(me.status == 200);
  CHECK(me.json()["email"] == "gail@a.test");
  CHECK_FALSE(me.json().contains("password_hash"));
  for (const std::string& path :
       {"/v1/orgs/" + b.org_id, "/v1/users/" + b.user_id, std::string("/v1/users/usr_nope"),
        std::string("/v1/orgs/org_nope")}) {
    INFO(path);
    auto r = http(s.url(), "GET", path, {}, bearer(a.token));
    CHECK(r.status == 404);
    CHECK(r.body.find("hugo@b.test") == std::string::npos);
    CHECK(r.body.find("\"B\"") == std::string::npos);
  }
  CHECK(admin(s, "GET", "/v1/orgs/" + b.org_id).json()["name"] == "B");
  CHECK(admin(s, "GET", "/v1/users/" + b.user_id).json()["email"] == "hugo@b.test");
  CHECK(http(s.url(), "GET", "/v1/users/" + a.user_id).status == 401);
}
