// The authorization matrix over the WHOLE route table (`secud routes`): every route must have a
// row here, so a new route without one fails this test. Each row names the route's kind
// (public, agent, console), its least access (held against the table, so an access downgrade
// fails too) and, for {id} routes, which resource the id is. The cells checked for each route:
//   - no credentials → 401 and a malformed token → 401 (agent and console routes);
//   - an agent key on a console route, or a console token on an agent route → 401/403;
//   - a viewer, a member and an approver on a route that needs more than their role → 403, and
//     on a GET route their role reaches → neither 401 nor 403;
//   - an expired JWT and a logged-out (revoked) JWT of an org admin → 401 on console routes;
//   - another org's id on an {id} route → 404 (both directions, org A ↔ org B, with one of each
//     resource made in both orgs); for agent {id} routes, the other org's agent key.
// The identity operations have their own finer matrix (test_auth_matrix.cpp); this one is about
// completeness over every route.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"
#include "support/identity_helpers.hpp"
#include "support/ledger_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

enum class Kind { kPublic, kAgent, kConsole };

// The resource an {id} (or {agent_id}) segment names.
enum class Res {
  kNone,
  kOrg,
  kUser,
  kAgent,
  kPolicy,
  kVendor,
  kKey,
  kApproval,
  kWallet,
  kTransfer,
  kHire
};

struct Row {
  Row(Kind k, const char* a, Res r = Res::kNone, const char* b = "{}")
      : kind(k), access(a), res(r), body(b) {}
  Kind kind;
  const char* access;  // as `secud routes` prints it
  Res res;
  const char* body;  // for writes: a body valid enough to reach the id lookup
};

// One row per route. Keep it complete: the test fails on a route without a row.
const std::map<std::string, Row>& rows() {
  static const std::map<std::string, Row> m = {
      // Public: probes, sign-in flows, the audit verifier key, the public stats.
      {"GET /healthz", {Kind::kPublic, "public"}},
      {"GET /livez", {Kind::kPublic, "public"}},
      {"GET /readyz", {Kind::kPublic, "public"}},
      {"GET /metrics", {Kind::kConsole, "platform_admin"}},
      {"POST /v1/auth/login", {Kind::kPublic, "public"}},
      {"POST /v1/auth/signup", {Kind::kPublic, "public"}},
      {"POST /v1/auth/magic/start", {Kind::kPublic, "public"}},
      {"GET /v1/auth/magic/callback", {Kind::kPublic, "public"}},
      {"GET /v1/auth/verify/callback", {Kind::kPublic, "public"}},
      {"GET /v1/auth/oidc/enabled", {Kind::kPublic, "public"}},
      {"GET /v1/auth/oidc/start", {Kind::kPublic, "public"}},
      {"GET /v1/auth/oidc/callback", {Kind::kPublic, "public"}},
      {"GET /v1/audit/pubkey", {Kind::kPublic, "public"}},
      {"GET /v1/public/tx/stats", {Kind::kPublic, "public"}},
      // Agent keys only (data plane).
      {"GET /v1/gateway/{path...}", {Kind::kAgent, "agent"}},
      {"POST /v1/gateway/{path...}", {Kind::kAgent, "agent"}},
      {"PUT /v1/gateway/{path...}", {Kind::kAgent, "agent"}},
      {"PATCH /v1/gateway/{path...}", {Kind::kAgent, "agent"}},
      {"DELETE /v1/gateway/{path...}", {Kind::kAgent, "agent"}},
      {"GET /v1/approvals/{id}/wait", {Kind::kAgent, "agent", Res::kApproval}},
      {"POST /v1/tx/transfer", {Kind::kAgent, "agent"}},
      // Console (users, the admin token).
      {"POST /v1/auth/verify/start", {Kind::kConsole, "viewer"}},
      {"GET /v1/auth/me", {Kind::kConsole, "viewer"}},
      {"POST /v1/auth/logout", {Kind::kConsole, "viewer"}},
      {"GET /v1/orgs", {Kind::kConsole, "viewer"}},
      {"POST /v1/orgs", {Kind::kConsole, "platform_admin"}},
      {"GET /v1/users", {Kind::kConsole, "viewer"}},
      {"POST /v1/users", {Kind::kConsole, "admin"}},
      {"GET /v1/orgs/{id}", {Kind::kConsole, "viewer", Res::kOrg}},
      {"GET /v1/users/{id}", {Kind::kConsole, "viewer", Res::kUser}},
      {"GET /v1/state", {Kind::kConsole, "viewer"}},
      {"POST /v1/agents", {Kind::kConsole, "admin"}},
      {"GET /v1/agents", {Kind::kConsole, "viewer"}},
      {"GET /v1/agents/{id}", {Kind::kConsole, "viewer", Res::kAgent}},
      {"PATCH /v1/agents/{id}", {Kind::kConsole, "admin", Res::kAgent, R"({"name":"renamed"})"}},
      {"POST /v1/agents/{id}/enable", {Kind::kConsole, "admin", Res::kAgent}},
      {"POST /v1/kill-switch/{agent_id}", {Kind::kConsole, "admin", Res::kAgent}},
      {"POST /v1/policies", {Kind::kConsole, "admin"}},
      {"GET /v1/policies", {Kind::kConsole, "viewer"}},
      {"GET /v1/policies/{id}", {Kind::kConsole, "viewer", Res::kPolicy}},
      {"PATCH /v1/policies/{id}", {Kind::kConsole, "admin", Res::kPolicy, R"({"name":"renamed"})"}},
      {"POST /v1/vendors", {Kind::kConsole, "admin"}},
      {"GET /v1/vendors", {Kind::kConsole, "viewer"}},
      {"GET /v1/vendors/{id}", {Kind::kConsole, "viewer", Res::kVendor}},
      {"DELETE /v1/vendors/{id}", {Kind::kConsole, "admin", Res::kVendor}},
      {"POST /v1/vendors/{id}/rotate-key",
       {Kind::kConsole, "admin", Res::kVendor, R"({"api_key":"matrix-rotated-key-0000"})"}},
      {"POST /v1/keys", {Kind::kConsole, "admin"}},
      {"GET /v1/keys", {Kind::kConsole, "viewer"}},
      {"GET /v1/keys/{id}", {Kind::kConsole, "viewer", Res::kKey}},
      {"DELETE /v1/keys/{id}", {Kind::kConsole, "admin", Res::kKey}},
      {"POST /v1/keys/{id}/rotate", {Kind::kConsole, "admin", Res::kKey, R"({"grace_seconds":0})"}},
      {"GET /v1/approvals", {Kind::kConsole, "viewer"}},
      {"GET /v1/approvals/{id}", {Kind::kConsole, "viewer", Res::kApproval}},
      {"POST /v1/approvals/{id}/approve", {Kind::kConsole, "approver", Res::kApproval}},
      {"POST /v1/approvals/{id}/deny", {Kind::kConsole, "approver", Res::kApproval}},
      {"GET /v1/billing/summary", {Kind::kConsole, "viewer"}},
      {"GET /v1/billing/events", {Kind::kConsole, "viewer"}},
      {"GET /v1/billing/settings", {Kind::kConsole, "viewer"}},
      {"POST /v1/billing/settings", {Kind::kConsole, "admin"}},
      {"POST /v1/billing/stripe/customer", {Kind::kConsole, "admin"}},
      {"POST /v1/billing/stripe/invoice", {Kind::kConsole, "admin"}},
      {"GET /v1/billing/stripe/invoices", {Kind::kConsole, "viewer"}},
      // Invoices are made only through the Stripe peer: their other-org case is in
      // test_stripe_billing.cpp, so no resource here.
      {"GET /v1/billing/stripe/invoices/{id}", {Kind::kConsole, "viewer"}},
      {"GET /v1/audit/verify", {Kind::kConsole, "platform_admin"}},
      {"POST /v1/admin/backup", {Kind::kConsole, "platform_admin"}},
      {"GET /v1/audit/export.jsonl", {Kind::kConsole, "viewer"}},
      {"GET /v1/audit/export.csv", {Kind::kConsole, "viewer"}},
      {"GET /v1/audit/checkpoint", {Kind::kConsole, "viewer"}},
      {"GET /v1/audit/proof/inclusion", {Kind::kConsole, "viewer"}},
      {"GET /v1/audit/proof/consistency", {Kind::kConsole, "viewer"}},
      {"GET /v1/ledger/wallets", {Kind::kConsole, "viewer"}},
      {"GET /v1/ledger/wallets/{id}", {Kind::kConsole, "viewer", Res::kWallet}},
      {"POST /v1/ledger/fund", {Kind::kConsole, "admin"}},
      {"GET /v1/ledger/transfers", {Kind::kConsole, "viewer"}},
      {"GET /v1/ledger/transfers/{id}", {Kind::kConsole, "viewer", Res::kTransfer}},
      {"GET /v1/ledger/reconcile", {Kind::kConsole, "viewer"}},
      {"GET /v1/tx/stats", {Kind::kConsole, "viewer"}},
      {"POST /v1/marketplace/hire", {Kind::kConsole, "admin"}},
      {"GET /v1/marketplace/listings", {Kind::kConsole, "viewer"}},
      {"GET /v1/marketplace/hires", {Kind::kConsole, "viewer"}},
      {"GET /v1/marketplace/hires/{id}", {Kind::kConsole, "viewer", Res::kHire}},
      // Rotation of the platform credentials.
      {"POST /v1/admin/rotate-admin-token", {Kind::kConsole, "platform_admin"}},
      {"POST /v1/admin/rotate-jwt-key", {Kind::kConsole, "platform_admin"}},
  };
  return m;
}

struct Route {
  std::string method, path, access;
};

// `secud routes`, parsed (header line skipped).
std::vector<Route> secud_routes() {
  std::vector<Route> out;
  FILE* p = ::popen((std::string(SECUD_PATH) + " routes").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string text;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p))
    text.append(buf, n);
  REQUIRE(::pclose(p) == 0);
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // METHOD PATH ACCESS SUMMARY
  while (std::getline(in, line)) {
    std::istringstream f(line);
    Route r;
    if (f >> r.method >> r.path >> r.access) out.push_back(r);
  }
  return out;
}

// One tenant with one of each resource, made through the real API.
struct Tenant {
  std::string org, admin_jwt, viewer_jwt, member_jwt, approver_jwt, expired_jwt, logged_out_jwt,
      user, agent, agent_key, policy, vendor, key_id, approval, wallet, transfer, hire;

  std::string id(Res r) const {
    switch (r) {
      case Res::kOrg:
        return org;
      case Res::kUser:
        return user;
      case Res::kAgent:
        return agent;
      case Res::kPolicy:
        return policy;
      case Res::kVendor:
        return vendor;
      case Res::kKey:
        return key_id;
      case Res::kApproval:
        return approval;
      case Res::kWallet:
        return wallet;
      case Res::kTransfer:
        return transfer;
      case Res::kHire:
        return hire;
      default:
        return {};
    }
  }
};

Tenant make_tenant(const Secud& s, const Upstream& up, const std::string& name,
                   const std::string& seller) {
  Tenant t;
  t.org = make_org(s, name);
  // Everything allowed; from 1 USD a human approves (so one approval is pending).
  auto g = provision_gateway(
      s, gateway_options(up.base_url(),
                         json{{"allowed_actions", json::array()}, {"approval_min_cost", 1.0}})
             .budget(100.0)
             .in_org(t.org));
  t.policy = g.policy;
  t.agent = g.agent;
  t.vendor = g.vendor;
  t.key_id = g.key_id;
  t.agent_key = g.key;
  t.admin_jwt = make_user_token(s, t.org, "admin", "admin@" + name + ".test");
  t.viewer_jwt = make_user_token(s, t.org, "viewer", "viewer@" + name + ".test");
  t.member_jwt = make_user_token(s, t.org, "member", "member@" + name + ".test");
  t.approver_jwt = make_user_token(s, t.org, "approver", "approver@" + name + ".test");
  // An admin's JWT past its exp (signed by the daemon's key, its session still live), and an
  // admin's JWT whose session was logged out: both must be 401 wherever a JWT is taken.
  {
    t.expired_jwt = reissue_jwt(s, t.admin_jwt, -7200, -60);
    t.logged_out_jwt = make_user_token(s, t.org, "admin", "gone@" + name + ".test");
    REQUIRE(http(s.url(), "POST", "/v1/auth/logout", {}, bearer(t.logged_out_jwt)).status == 200);
  }
  auto users = admin(s, "GET", "/v1/users?org_id=" + t.org);
  REQUIRE(users.status == 200);
  t.user = users.json()["users"][0].at("id").get<std::string>();

  auto pending = gw(s, t.agent_key, "GET", "/cost?usd=2", "", {{"X-Secu-Cost-USD", "2"}});
  INFO(pending.body);
  REQUIRE(pending.status == 202);
  t.approval = pending.json().at("approval_id").get<std::string>();

  t.transfer = fund(s, t.agent, 5'000'000).at("id").get<std::string>();
  auto w = admin(s, "GET", "/v1/ledger/wallets?agent_id=" + t.agent);
  REQUIRE(w.status == 200);
  t.wallet = w.json()["wallets"][0].at("id").get<std::string>();

  REQUIRE(admin(s, "POST", "/v1/ledger/fund",
                json{{"org_id", t.org}, {"currency", "usd"}, {"amount", 5'000'000}}.dump())
              .status == 200);
  auto h =
      http(s.url(), "POST", "/v1/marketplace/hire",
           json{{"to_agent_id", seller}, {"daily_budget_usd", 10}}.dump(), bearer(t.admin_jwt));
  INFO(h.body);
  REQUIRE(h.status == 200);
  t.hire = h.json().at("id").get<std::string>();
  return t;
}

std::string fill(std::string path, const std::string& id) {
  for (const char* p : {"{id}", "{agent_id}"}) {
    auto at = path.find(p);
    if (at != std::string::npos) path.replace(at, std::strlen(p), id);
  }
  // The gateway's rest: any vendor path.
  auto rest = path.find("{path...}");
  if (rest != std::string::npos) path.replace(rest, 9, "echo/x");
  return path;
}

int rank(const std::string& access) {
  static const std::vector<std::string> order = {"public",   "agent", "viewer", "member",
                                                 "approver", "admin", "owner",  "platform_admin"};
  auto it = std::find(order.begin(), order.end(), access);
  return it == order.end() ? -1 : static_cast<int>(it - order.begin());
}

}  // namespace

TEST_CASE("route matrix: every route has a row, and the rows name routes", "[auth][matrix]") {
  const auto routes = secud_routes();
  REQUIRE(routes.size() > 50);
  std::set<std::string> seen;
  for (const auto& r : routes) {
    const auto key = r.method + " " + r.path;
    seen.insert(key);
    INFO("route " << key << " (" << r.access
                  << ") has no row in test_route_matrix.cpp: add one with its kind and access");
    auto it = rows().find(key);
    REQUIRE(it != rows().end());
    CHECK(r.access == it->second.access);
  }
  for (const auto& [key, row] : rows()) {
    INFO("row " << key << " names no route of `secud routes`: remove it");
    CHECK(seen.count(key) == 1);
  }
}

TEST_CASE("route matrix: credentials, roles and tenants over every route", "[auth][matrix]") {
  Secud s;
  Upstream up;
  const auto seller_org = make_org(s, "seller");
  const auto seller = make_agent(s, seller_org, "translator");
  REQUIRE(admin(s, "PATCH", "/v1/agents/" + seller,
                json{{"listed", true}, {"price", 1}, {"pricing_model", "per_day"}}.dump())
              .status == 200);
  const Tenant a = make_tenant(s, up, "a", seller);
  const Tenant b = make_tenant(s, up, "b", seller);

  int cells = 0, routes_checked = 0;
  const auto expect_error = [&](const Response& r, std::initializer_list<int> allowed,
                                const std::string& what) {
    INFO(what << " → " << r.status << " " << r.body);
    CHECK(std::find(allowed.begin(), allowed.end(), r.status) != allowed.end());
    if (r.status >= 400) CHECK(r.json()["error"]["code"].is_string());
    ++cells;
  };

  for (const auto& route : secud_routes()) {
    const auto key = route.method + " " + route.path;
    auto it = rows().find(key);
    if (it == rows().end()) continue;  // the completeness case reports it
    const Row& row = it->second;
    ++routes_checked;
    // An {id} route without a resource here gets an id that does not exist.
    const auto path = fill(route.path, row.res == Res::kNone ? "x_doesnotexist" : a.id(row.res));
    const std::string body = route.method == "GET" ? "" : row.body;

    if (row.kind == Kind::kPublic) {
      // Public routes ignore credentials: a bad bearer token changes nothing (a callback may
      // still answer 401 for its missing link token, the same either way).
      auto r = http(s.url(), route.method, path, body);
      auto g = http(s.url(), route.method, path, body, bearer("not-a-token.x.y"));
      INFO(key << " without credentials → " << r.status << " " << r.body << "; with garbage → "
               << g.status << " " << g.body);
      CHECK(r.status != 403);
      CHECK(g.status == r.status);
      if (r.status >= 400) CHECK(r.json()["error"]["code"].is_string());
      cells += 2;
      continue;
    }

    expect_error(http(s.url(), route.method, path, body), {401}, key + " without credentials");
    expect_error(http(s.url(), route.method, path, body, bearer("not-a-token.x.y")), {401},
                 key + " with a malformed token");
    expect_error(http(s.url(), route.method, path, body, bearer("secu_ak_wrong0000000000000")),
                 {401}, key + " with a wrong agent-like key");

    if (row.kind == Kind::kAgent) {
      expect_error(http(s.url(), route.method, path, body, bearer(a.admin_jwt)), {401, 403},
                   key + " with a console JWT");
      expect_error(
          http(s.url(), route.method, path, body, {{"X-Secu-Admin-Token", s.admin_token()}}),
          {401, 403}, key + " with the admin token");
      if (row.res != Res::kNone) {
        expect_error(http(s.url(), route.method, path + "?timeout=0", body, bearer(b.agent_key)),
                     {404}, key + " with org B's agent key on org A's id");
      }
      continue;
    }

    // Console routes.
    expect_error(http(s.url(), route.method, path, body, bearer(a.agent_key)), {401, 403},
                 key + " with an agent key");
    expect_error(http(s.url(), route.method, path, body, bearer(a.expired_jwt)), {401},
                 key + " with an expired JWT");
    expect_error(http(s.url(), route.method, path, body, bearer(a.logged_out_jwt)), {401},
                 key + " with a logged-out JWT");
    for (const auto& [role, jwt] : std::vector<std::pair<std::string, std::string>>{
             {"viewer", a.viewer_jwt}, {"member", a.member_jwt}, {"approver", a.approver_jwt}}) {
      if (rank(route.access) > rank(role)) {
        expect_error(http(s.url(), route.method, path, body, bearer(jwt)), {403},
                     key + " as a " + role);
      } else if (route.method == "GET") {
        // Reached: whatever the route answers (404 for a made-up id, 400 for a missing
        // parameter), it is not an authorization refusal. (Writes are not tried: they would
        // change the tenant the other cells rely on.)
        auto r = http(s.url(), route.method, path, body, bearer(jwt));
        INFO(key << " as a " << role << " → " << r.status << " " << r.body);
        CHECK(r.status != 401);
        CHECK(r.status != 403);
        ++cells;
      }
    }
    if (row.res != Res::kNone && rank(route.access) <= rank("admin")) {
      expect_error(http(s.url(), route.method, path, body, bearer(b.admin_jwt)), {404},
                   key + " as org B's admin on org A's id");
      expect_error(
          http(s.url(), route.method, fill(route.path, b.id(row.res)), body, bearer(a.admin_jwt)),
          {404}, key + " as org A's admin on org B's id");
    }
  }
  // Nothing of org A was changed by the refused cells.
  CHECK(admin(s, "GET", "/v1/vendors/" + a.vendor).status == 200);
  CHECK(admin(s, "GET", "/v1/keys/" + a.key_id).json().value("status", "") != "revoked");
  CHECK(admin(s, "GET", "/v1/approvals/" + a.approval).json()["status"] == "pending");
  CHECK(admin(s, "GET", "/v1/agents/" + a.agent).json()["name"] != "renamed");
  std::printf("route matrix: %d routes, %d cells\n", routes_checked, cells);
  CHECK(routes_checked == static_cast<int>(rows().size()));
}
