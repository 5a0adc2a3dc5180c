// Human approvals through the real secud and a real vendor: the round trip (pending → approve
// → the retry passes once → the next needs a new approval), deny, expiry, a changed body not
// riding a grant, the agent's long poll, and who may decide.
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"

using namespace secu::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A policy that allows everything and wants a human from 1 USD on.
GatewayOptions approval_options(const Upstream& up) {
  return gateway_options(up.base_url(),
                         json{{"allowed_actions", json::array()}, {"approval_min_cost", 1.0}})
      .budget(100.0);
}

Headers costly(const std::string& approval_id = {}) {
  Headers h{{"X-Secu-Cost-USD", "2"}};
  if (!approval_id.empty()) h.emplace_back("X-Secu-Approval-Id", approval_id);
  return h;
}

std::string pending_id(const Response& r) {
  INFO(r.body);
  REQUIRE(r.status == 202);
  auto j = r.json();
  CHECK(j["status"] == "pending_approval");
  CHECK(j.contains("expires_at"));
  return j.at("approval_id").get<std::string>();
}

}  // namespace

TEST_CASE("approvals: round trip, the grant is used once, secuctl approves",
          "[gateway][approvals]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(s, approval_options(up));
  // Cheap passes at once.
  REQUIRE(gw(s, g.key, "POST", "/echo/pay", "small", {{"X-Secu-Cost-USD", "0.5"}}).status == 200);
  // Expensive waits: nothing reaches the vendor.
  const int hits = up.hits();
  auto first = gw(s, g.key, "POST", "/echo/pay", "big", costly());
  const auto id = pending_id(first);
  CHECK(up.hits() == hits);
  auto a = admin(s, "GET", "/v1/approvals/" + id).json();
  CHECK(a["status"] == "pending");
  CHECK(a["agent_id"] == g.agent);
  CHECK(a["key"] == g.key_id);
  CHECK(a["org_id"] == g.org);
  CHECK(a["method"] == "POST");
  CHECK(a["path"] == "/echo/pay");
  CHECK(a["action"] == "POST /echo/pay");
  CHECK(a["cost_usd"] == 2.0);
  CHECK(a["policy_id"] == g.policy);
  CHECK(a["trigger"] == "approval_min_cost");
  CHECK_FALSE(a.contains("decided_at"));

  // Retrying before the decision: still pending, the same approval (no new one).
  CHECK(pending_id(gw(s, g.key, "POST", "/echo/pay", "big", costly(id))) == id);

  // secuctl approves.
  auto run = secuctl({"--addr", s.url(), "--admin-token", s.admin_token(), "-o", "json",
                      "approvals", "approve", id, "--reason", "looks right"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  auto decided = json::parse(run.out);
  CHECK(decided["status"] == "approved");
  CHECK(decided["decided_by"] == "admin");
  CHECK(decided["reason"] == "looks right");
  CHECK(decided.contains("decided_at"));

  // A second decision is a conflict.
  auto again = admin(s, "POST", "/v1/approvals/" + id + "/deny");
  CHECK(again.status == 409);
  CHECK(again.json()["error"]["code"] == "approval_decided");

  // A changed body does not ride the grant: a new approval is asked for instead.
  auto other = pending_id(gw(s, g.key, "POST", "/echo/pay", "BIG", costly(id)));
  CHECK(other != id);
  // Nor a changed cost or query.
  CHECK(gw(s, g.key, "POST", "/echo/pay?x=1", "big", costly(id)).status == 202);

  // The same request passes, once.
  auto retry = gw(s, g.key, "POST", "/echo/pay", "big", costly(id));
  INFO(retry.body);
  REQUIRE(retry.status == 200);
  CHECK(retry.json()["body"] == "big");
  CHECK(retry.header("X-Secu-Approval-Id") == id);
  CHECK(admin(s, "GET", "/v1/approvals/" + id).json().contains("used_at"));
  auto e = settled_event(s, retry.header("X-Secu-Event-Id"));
  CHECK(e["approval_id"] == id);
  // A second retry needs a new approval.
  auto second = gw(s, g.key, "POST", "/echo/pay", "big", costly(id));
  CHECK(pending_id(second) != id);
}

TEST_CASE("approvals: deny, the denied request stays denied", "[gateway][approvals]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(s, approval_options(up));
  const auto id = pending_id(gw(s, g.key, "POST", "/echo/pay", "x", costly()));
  // Without a terminal secuctl wants --yes for a deny.
  auto refused =
      secuctl({"--addr", s.url(), "--admin-token", s.admin_token(), "approvals", "deny", id});
  CHECK(refused.exit_code != 0);
  CHECK(admin(s, "GET", "/v1/approvals/" + id).json()["status"] == "pending");
  auto run = secuctl({"--addr", s.url(), "--admin-token", s.admin_token(), "-o", "json",
                      "approvals", "deny", id, "--reason", "no", "--yes"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(json::parse(run.out)["status"] == "denied");
  auto r = gw(s, g.key, "POST", "/echo/pay", "x", costly(id));
  INFO(r.body);
  CHECK(r.status == 403);
  CHECK(r.json()["error"]["code"] == "approval_denied");
  CHECK(admin(s, "POST", "/v1/approvals/" + id + "/approve").status == 409);
}

TEST_CASE("approvals: expiry with a short approval_ttl_s", "[gateway][approvals]") {
  Secud s(secud_with({"--approval-ttl-s", "1"}));
  Upstream up;
  auto g = provision_gateway(s, approval_options(up));
  const auto id = pending_id(gw(s, g.key, "POST", "/echo/pay", "x", costly()));
  std::this_thread::sleep_for(1200ms);
  // Expired at once on read, whether or not the sweep has written it yet.
  CHECK(admin(s, "GET", "/v1/approvals/" + id).json()["status"] == "expired");
  auto listed = admin(s, "GET", "/v1/approvals?status=expired").json()["approvals"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["id"] == id);
  CHECK(admin(s, "GET", "/v1/approvals?status=pending").json()["approvals"].empty());
  auto late = admin(s, "POST", "/v1/approvals/" + id + "/approve");
  CHECK(late.status == 409);
  CHECK(late.json()["error"]["code"] == "approval_expired");
  // The expired approval gives nothing: the retry asks again.
  CHECK(pending_id(gw(s, g.key, "POST", "/echo/pay", "x", costly(id))) != id);
  // And the sweep writes expiry down (audited).
  std::this_thread::sleep_for(2500ms);
  CHECK(count_rows(s, "approvals") == 2);
  auto db_expired = admin(s, "GET", "/v1/approvals?status=expired").json()["approvals"];
  CHECK(db_expired.size() == 2);
}

TEST_CASE("approvals: the agent's long poll returns on the decision", "[gateway][approvals]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(s, approval_options(up));
  const auto id = pending_id(gw(s, g.key, "POST", "/echo/pay", "x", costly()));

  // Timeout: answers pending after about the timeout.
  auto t0 = std::chrono::steady_clock::now();
  auto pending = http(s.url(), "GET", "/v1/approvals/" + id + "/wait?timeout=1", {}, bearer(g.key));
  CHECK(pending.status == 200);
  CHECK(pending.json()["status"] == "pending");
  CHECK(std::chrono::steady_clock::now() - t0 >= 900ms);

  auto waiter = std::async(std::launch::async, [&] {
    return http(s.url(), "GET", "/v1/approvals/" + id + "/wait?timeout=20", {}, bearer(g.key));
  });
  std::this_thread::sleep_for(300ms);
  t0 = std::chrono::steady_clock::now();
  REQUIRE(admin(s, "POST", "/v1/approvals/" + id + "/approve").status == 200);
  auto done = waiter.get();
  const auto took = std::chrono::steady_clock::now() - t0;
  INFO(done.body);
  CHECK(done.status == 200);
  CHECK(done.json()["status"] == "approved");
  CHECK(took < 2s);

  // Only the agent's own approvals; never with a console credential.
  auto other = provision_gateway(
      s, gateway_options(up.base_url(), json{{"allowed_actions", json::array()}}).in_org(g.org));
  CHECK(http(s.url(), "GET", "/v1/approvals/" + id + "/wait?timeout=0", {}, bearer(other.key))
            .status == 404);
  CHECK(admin(s, "GET", "/v1/approvals/" + id + "/wait?timeout=0").status == 403);
  CHECK(
      http(s.url(), "GET", "/v1/approvals/" + id + "/wait?timeout=99", {}, bearer(g.key)).status ==
      400);
}

TEST_CASE("approvals: who may list and decide", "[gateway][approvals]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(s, approval_options(up));
  const auto id = pending_id(gw(s, g.key, "POST", "/echo/pay", "x", costly()));
  const auto viewer = make_user_token(s, g.org, "viewer", "viewer@a.example");
  const auto member = make_user_token(s, g.org, "member", "member@a.example");
  const auto approver = make_user_token(s, g.org, "approver", "approver@a.example");
  const auto other_org = make_org(s, "Other");
  const auto other_admin = make_user_token(s, other_org, "admin", "admin@b.example");

  // Listing is scoped: the org sees its approval, the other org sees none and cannot name it.
  CHECK(http(s.url(), "GET", "/v1/approvals", {}, bearer(viewer)).json()["approvals"].size() == 1);
  CHECK(http(s.url(), "GET", "/v1/approvals", {}, bearer(other_admin)).json()["approvals"].empty());
  CHECK(http(s.url(), "GET", "/v1/approvals?org_id=" + g.org, {}, bearer(other_admin)).status ==
        404);
  CHECK(http(s.url(), "GET", "/v1/approvals/" + id, {}, bearer(other_admin)).status == 404);
  CHECK(admin(s, "GET", "/v1/approvals?org_id=" + g.org).json()["approvals"].size() == 1);
  CHECK(admin(s, "GET", "/v1/approvals?agent_id=" + g.agent).json()["approvals"].size() == 1);
  CHECK(admin(s, "GET", "/v1/approvals?status=bogus").status == 400);

  const std::string path = "/v1/approvals/" + id + "/approve";
  CHECK(http(s.url(), "POST", path).status == 401);
  CHECK(http(s.url(), "POST", path, {}, bearer("garbage")).status == 401);
  CHECK(http(s.url(), "POST", path, {}, bearer(viewer)).status == 403);
  CHECK(http(s.url(), "POST", path, {}, bearer(member)).status == 403);
  CHECK(http(s.url(), "POST", path, {}, bearer(g.key)).status == 403);
  CHECK(http(s.url(), "POST", path, {}, bearer(other_admin)).status == 404);
  CHECK(http(s.url(), "POST", "/v1/approvals/apr_nope/approve", {}, bearer(approver)).status ==
        404);
  // Bad input: 400 and still pending.
  CHECK(http(s.url(), "POST", path, R"({"reason": 5})", bearer(approver)).status == 400);
  CHECK(http(s.url(), "POST", path, R"({"why":"x"})", bearer(approver)).status == 400);
  CHECK(admin(s, "GET", "/v1/approvals/" + id).json()["status"] == "pending");

  auto ok = http(s.url(), "POST", path, R"({"reason":"fine"})", bearer(approver));
  INFO(ok.body);
  REQUIRE(ok.status == 200);
  CHECK(ok.json()["status"] == "approved");
  CHECK(ok.json()["decided_by"] != "admin");
}

TEST_CASE("approvals: require_approval and approval_actions, the kill-switch cancels pending",
          "[gateway][approvals]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(
      s, gateway_options(up.base_url(), json{{"allowed_actions", json::array()},
                                             {"approval_actions", {"DELETE *"}}}));
  CHECK(gw(s, g.key, "GET", "/echo/x").status == 200);
  auto r = gw(s, g.key, "DELETE", "/echo/x");
  const auto id = pending_id(r);
  CHECK(admin(s, "GET", "/v1/approvals/" + id).json()["trigger"] == "approval_action");

  auto g2 = provision_gateway(
      s, gateway_options(up.base_url(), json{{"require_approval", true}}).in_org(g.org));
  const auto id2 = pending_id(gw(s, g2.key, "GET", "/echo/x"));
  CHECK(admin(s, "GET", "/v1/approvals/" + id2).json()["trigger"] == "require_approval");

  // The kill-switch cancels the agent's pending approvals in the same job, audited.
  REQUIRE(admin(s, "POST", "/v1/kill-switch/" + g.agent).status == 200);
  CHECK(admin(s, "GET", "/v1/approvals/" + id).json()["status"] == "cancelled");
  CHECK(admin(s, "GET", "/v1/approvals/" + id2).json()["status"] == "pending");
  CHECK(admin(s, "POST", "/v1/approvals/" + id + "/approve").status == 409);
  // The state snapshot has the approvals section.
  auto state = admin(s, "GET", "/v1/state?org_id=" + g.org);
  REQUIRE(state.status == 200);
  CHECK(state.json()["approvals"].size() == 2);
}
