// The authorization matrix of the identity operations: every operation × every kind of
// caller, with the status each cell must answer. Each cell gets fresh credentials (a fresh
// login for users), so cells cannot affect each other (logout revokes only its own session).
#include <catch2/catch.hpp>
#include <functional>

#include "secu/clock.hpp"
#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

enum Who {
  kNone,        // no credentials
  kGarbage,     // Bearer garbage
  kExpired,     // a JWT signed by the daemon, live session, exp in the past
  kLoggedOut,   // a JWT whose session was logged out
  kViewer,      // viewer of org A
  kMember,      // member of org A
  kAdminA,      // admin of org A
  kAdminB,      // admin of org B
  kPlatform,    // a user with the platform_admin role (home org P)
  kAdminToken,  // X-Secu-Admin-Token
  kWhoCount
};
const char* const kWhoNames[] = {
    "no credentials", "garbage token", "expired JWT", "logged-out JWT",        "viewer A",
    "member A",       "admin A",       "admin B",     "platform admin (user)", "admin token"};

struct World {
  Secud s{with_args({"--login-max-attempts", "100000"})};
  Account owner_a, viewer, member, admin_a, owner_b, admin_b, platform;
  int counter = 0;

  World() {
    owner_a = signup_account(s, "owner@a.test", "Org A");
    viewer = add_user(s, owner_a.org_id, "viewer@a.test", "viewer");
    member = add_user(s, owner_a.org_id, "member@a.test", "member");
    admin_a = add_user(s, owner_a.org_id, "admin@a.test", "admin");
    owner_b = signup_account(s, "owner@b.test", "Org B");
    admin_b = add_user(s, owner_b.org_id, "admin@b.test", "admin");
    auto p = admin(s, "POST", "/v1/orgs", json{{"name", "Platform"}}.dump());
    REQUIRE(p.status == 200);
    platform = add_user(s, p.json()["id"], "root@platform.test", "platform_admin");
  }

  std::string unique(const std::string& what) { return what + std::to_string(++counter); }

  std::string fresh_login(const Account& a) {
    auto t = login_token(s, a.email, a.password);
    REQUIRE_FALSE(t.empty());
    return t;
  }

  Headers headers(Who w) {
    switch (w) {
      case kNone:
        return {};
      case kGarbage:
        return bearer("garbage.token.here");
      case kExpired: {
        return bearer(reissue_jwt(s, fresh_login(viewer), -7200, -60));
      }
      case kLoggedOut: {
        const auto t = fresh_login(viewer);
        REQUIRE(http(s.url(), "POST", "/v1/auth/logout", {}, bearer(t)).status == 200);
        return bearer(t);
      }
      case kViewer:
        return bearer(fresh_login(viewer));
      case kMember:
        return bearer(fresh_login(member));
      case kAdminA:
        return bearer(fresh_login(admin_a));
      case kAdminB:
        return bearer(fresh_login(admin_b));
      case kPlatform:
        return bearer(fresh_login(platform));
      case kAdminToken:
        return {{"X-Secu-Admin-Token", s.admin_token()}};
      default:
        return {};
    }
  }

  // A magic-link or verification token nobody has used (public operations need one each).
  std::string magic_token() {
    auto r = http(s.url(), "POST", "/v1/auth/magic/start", json{{"email", member.email}}.dump());
    REQUIRE(r.status == 200);
    return r.json()["token"];
  }
  std::string verify_token() {
    auto r =
        http(s.url(), "POST", "/v1/auth/signup",
             json{{"email", unique("verify") + "@c.test"}, {"password", kTestPassword}}.dump());
    REQUIRE(r.status == 200);
    return r.json()["verification_token"];
  }
};

struct Op {
  const char* name;
  const char* method;
  std::function<std::string(World&)> path;
  std::function<std::string(World&)> body;
  int expect[kWhoCount];
};

constexpr int U = 401;  // shorthand for the four rejected credentials

}  // namespace

TEST_CASE("authorization matrix of the identity operations", "[auth][matrix]") {
  World w;
  const auto A = [](World& x) { return x.owner_a.org_id; };
  const auto none = [](World&) { return std::string(); };
  const Op ops[] = {
      // Public operations ignore credentials, good or bad.
      {"POST /v1/auth/login",
       "POST",
       [](World&) { return std::string("/v1/auth/login"); },
       [](World& x) {
         return json{{"email", x.member.email}, {"password", kTestPassword}}.dump();
       },
       {200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST /v1/auth/signup",
       "POST",
       [](World&) { return std::string("/v1/auth/signup"); },
       [](World& x) {
         return json{{"email", x.unique("new") + "@d.test"}, {"password", kTestPassword}}.dump();
       },
       {200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST /v1/auth/magic/start",
       "POST",
       [](World&) { return std::string("/v1/auth/magic/start"); },
       [](World& x) {
         return json{{"email", x.member.email}}.dump();
       },
       {200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET /v1/auth/magic/callback",
       "GET",
       [](World& x) { return "/v1/auth/magic/callback?token=" + x.magic_token(); },
       none,
       {200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET /v1/auth/verify/callback",
       "GET",
       [](World& x) { return "/v1/auth/verify/callback?token=" + x.verify_token(); },
       none,
       {200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
      // Any authenticated user; the admin token has no email to verify and no session.
      {"POST /v1/auth/verify/start",
       "POST",
       [](World&) { return std::string("/v1/auth/verify/start"); },
       [](World&) { return std::string("{}"); },
       {U, U, U, U, 200, 200, 200, 200, 200, 403}},
      {"GET /v1/auth/me",
       "GET",
       [](World&) { return std::string("/v1/auth/me"); },
       none,
       {U, U, U, U, 200, 200, 200, 200, 200, 200}},
      {"POST /v1/auth/logout",
       "POST",
       [](World&) { return std::string("/v1/auth/logout"); },
       none,
       {U, U, U, U, 200, 200, 200, 200, 200, 400}},
      // Orgs: everyone lists (scoped); only the platform admin creates.
      {"GET /v1/orgs",
       "GET",
       [](World&) { return std::string("/v1/orgs"); },
       none,
       {U, U, U, U, 200, 200, 200, 200, 200, 200}},
      {"POST /v1/orgs",
       "POST",
       [](World&) { return std::string("/v1/orgs"); },
       [](World& x) {
         return json{{"name", x.unique("Org ")}}.dump();
       },
       {U, U, U, U, 403, 403, 403, 403, 200, 200}},
      // Users: org A's list is org A's (and the platform's) to read; B's admin gets 404.
      {"GET /v1/users",
       "GET",
       [](World&) { return std::string("/v1/users"); },
       none,
       {U, U, U, U, 200, 200, 200, 200, 200, 200}},
      {"GET /v1/users?org_id=A",
       "GET",
       [A](World& x) { return "/v1/users?org_id=" + A(x); },
       none,
       {U, U, U, U, 200, 200, 200, 404, 200, 200}},
      {"POST /v1/users into org A",
       "POST",
       [](World&) { return std::string("/v1/users"); },
       [A](World& x) {
         return json{{"org_id", A(x)},
                     {"email", x.unique("hire") + "@a.test"},
                     {"password", kTestPassword},
                     {"role", "viewer"}}
             .dump();
       },
       {U, U, U, U, 403, 403, 200, 404, 200, 200}},
      // Gets by id (beyond the contract): the same scoping.
      {"GET /v1/orgs/{A}",
       "GET",
       [A](World& x) { return "/v1/orgs/" + A(x); },
       none,
       {U, U, U, U, 200, 200, 200, 404, 200, 200}},
      {"GET /v1/users/{owner of A}",
       "GET",
       [](World& x) { return "/v1/users/" + x.owner_a.user_id; },
       none,
       {U, U, U, U, 200, 200, 200, 404, 200, 200}},
      // State: like users.
      {"GET /v1/state",
       "GET",
       [](World&) { return std::string("/v1/state"); },
       none,
       {U, U, U, U, 200, 200, 200, 200, 200, 200}},
      {"GET /v1/state?org_id=A",
       "GET",
       [A](World& x) { return "/v1/state?org_id=" + A(x); },
       none,
       {U, U, U, U, 200, 200, 200, 404, 200, 200}},
  };

  int cells = 0;
  for (const auto& op : ops) {
    for (int who = 0; who < kWhoCount; ++who) {
      const auto headers = w.headers(static_cast<Who>(who));
      const auto path = op.path(w);
      const auto body = op.body(w);
      auto r = http(w.s.url(), op.method, path, body, headers);
      INFO(op.name << " as " << kWhoNames[who] << " → " << r.status << " " << r.body);
      CHECK(r.status == op.expect[who]);
      if (r.status >= 400) {
        // Every refusal is in the error format, and a 404 on org A says nothing about it.
        auto j = r.json();
        CHECK(j["error"]["code"].is_string());
        if (r.status == 404) {
          CHECK(r.body.find(w.owner_a.email) == std::string::npos);
          CHECK(r.body.find("Org A") == std::string::npos);
        }
      }
      ++cells;
    }
  }
  CHECK(cells == 17 * kWhoCount);
}

TEST_CASE("creators cannot grant a role above their own", "[auth][matrix][roles]") {
  World w;
  const auto A = w.owner_a.org_id;
  struct Case {
    const Account* creator;
    const char* role;
    int status;
  };
  const Case cases[] = {
      {&w.admin_a, "viewer", 200},          {&w.admin_a, "member", 200},
      {&w.admin_a, "approver", 200},        {&w.admin_a, "admin", 200},
      {&w.admin_a, "owner", 403},           {&w.admin_a, "platform_admin", 403},
      {&w.owner_a, "owner", 200},           {&w.owner_a, "platform_admin", 403},
      {&w.platform, "platform_admin", 200},
  };
  for (const auto& c : cases) {
    auto r = http(w.s.url(), "POST", "/v1/users",
                  json{{"org_id", A},
                       {"email", w.unique("r") + "@a.test"},
                       {"password", kTestPassword},
                       {"role", c.role}}
                      .dump(),
                  bearer(w.fresh_login(*c.creator)));
    INFO(c.creator->email << " grants " << c.role << ": " << r.body);
    CHECK(r.status == c.status);
  }
}
