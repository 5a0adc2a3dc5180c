// The gateway against the real secud and a real upstream vendor: allow, every deny reason,
// credential injection per auth_type, metering, fees, vendor down, bad input.
#include <catch2/catch.hpp>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

json allow_all() {
  return json{{"allowed_actions", json::array()}};
}

// The audit entries of an org, oldest first.
json audit_of(const Secud& s, const std::string& org) {
  auto r = admin(s, "GET", "/v1/audit/export.jsonl?org_id=" + org);
  json out = json::array();
  size_t pos = 0;
  while (pos < r.body.size()) {
    auto nl = r.body.find('\n', pos);
    if (nl == std::string::npos) nl = r.body.size();
    auto line = r.body.substr(pos, nl - pos);
    if (!line.empty()) {
      auto j = json::parse(line, nullptr, false);
      if (!j.is_discarded()) out.push_back(j);
    }
    pos = nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("gateway: an allowed request reaches the vendor with its credential and is billed",
          "[gateway]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(s, gateway_options(up.base_url(), allow_all()).budget(10.0));
  auto r = gw(s, g.key, "POST", "/echo/v1/charges?limit=3", R"({"amount":5})",
              {{"X-Secu-Cost-USD", "0.25"}, {"X-Custom", "kept"}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto echo = r.json();
  CHECK(echo["method"] == "POST");
  CHECK(echo["target"] == "/api/echo/v1/charges?limit=3");
  CHECK(echo["body"] == R"({"amount":5})");
  CHECK(echo["headers"]["Authorization"] == json::array({"Bearer vendor-secret-0123456789"}));
  CHECK(echo["headers"]["X-Custom"] == json::array({"kept"}));
  CHECK_FALSE(echo["headers"].contains("X-Secu-Cost-USD"));
  CHECK(r.body.find(g.key) == std::string::npos);  // the agent's key never reaches the vendor

  auto e = settled_event(s, r.header("X-Secu-Event-Id"));
  CHECK(e["allow"] == true);
  CHECK(e["status_code"] == 200);
  CHECK(e["authorized_cost_usd"] == 0.25);
  CHECK(e["cost_usd"] == 0.25);
  CHECK(e["metering_source"] == "declared");
  CHECK(e["org_id"] == g.org);
  CHECK(e["agent_id"] == g.agent);
  CHECK(e["key"] == g.key_id);
  CHECK(e["action"] == "POST /echo/v1/charges");
  CHECK(e["request_id"] == r.header("X-Request-Id"));
  CHECK(e.contains("timestamp"));
  CHECK(e.contains("fee_usd"));
  CHECK_FALSE(e.contains("deny_reason"));

  // One audit entry for the decision, with no secret and no query string.
  int decisions = 0;
  for (const auto& a : audit_of(s, g.org)) {
    // Export lines that are not entries (the checkpoint, proofs) have no action: value(), as a
    // const json's operator[] on an absent key is undefined.
    if (a.value("action", "") != "gateway.decision") continue;
    ++decisions;
    CHECK(a["details"]["outcome"] == "allow");
    CHECK(a["actor"]["type"] == "agent");
    CHECK(a.dump().find("limit=3") == std::string::npos);
  }
  CHECK(decisions == 1);

  // last_used_at was set in the decision's job.
  CHECK(admin(s, "GET", "/v1/keys/" + g.key_id).json().contains("last_used_at"));
}

TEST_CASE("gateway: credential injection per auth_type, the agent's Authorization is stripped",
          "[gateway]") {
  Secud s;
  Upstream up;
  const std::string org = make_org(s, "Auth types");
  struct Case {
    std::string auth_type, header_name, api_key;
  };
  for (const auto& c : {Case{"bearer", "", "tok-bearer"}, Case{"header", "X-Vendor-Key", "tok-h"},
                        Case{"basic", "", "user:pass"}, Case{"query", "apikey", "tok/q+1"}}) {
    DYNAMIC_SECTION(c.auth_type << " " << c.header_name) {
      auto g = provision_gateway(s, gateway_options(up.base_url(), allow_all())
                                        .auth(c.auth_type, c.header_name, c.api_key)
                                        .in_org(org));
      auto r = gw(s, g.key, "GET", "/echo/x?apikey=agent-supplied&y=1");
      INFO(r.body);
      REQUIRE(r.status == 200);
      auto h = r.json()["headers"];
      const std::string target = r.json()["target"];
      CHECK(r.body.find(g.key) == std::string::npos);
      if (c.auth_type == "bearer") {
        CHECK(h["Authorization"] == json::array({"Bearer tok-bearer"}));
      } else if (c.auth_type == "header") {
        const std::string name = c.header_name.empty() ? "X-Api-Key" : c.header_name;
        CHECK(h[name] == json::array({c.api_key}));
        CHECK_FALSE(h.contains("Authorization"));
      } else if (c.auth_type == "basic") {
        CHECK(h["Authorization"] == json::array({"Basic dXNlcjpwYXNz"}));
      } else {
        CHECK_FALSE(h.contains("Authorization"));
        CHECK(target.find("apikey=tok%2Fq%2B1") != std::string::npos);
        CHECK(target.find("agent-supplied") == std::string::npos);
        CHECK(target.find("y=1") != std::string::npos);
      }
    }
  }
}

TEST_CASE("gateway: every deny reason answers 403 with its code and is billed and audited",
          "[gateway]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(
      s, gateway_options(up.base_url(), json{{"allowed_actions", {"GET /echo/*", "POST /echo/*"}},
                                             {"denied_path_prefixes", {"/echo/admin"}},
                                             {"max_cost_per_request", 1.0}})
             .budget(2.0));
  auto deny = [&](const Response& r, const std::string& code, const std::string& reason) {
    INFO(r.body);
    REQUIRE(r.status == 403);
    auto err = r.json()["error"];
    CHECK(err["code"] == code);
    CHECK(err["deny_reason"] == reason);
    CHECK(err.contains("request_id"));
    auto e = settled_event(s, r.header("X-Secu-Event-Id"));
    CHECK(e["allow"] == false);
    CHECK(e["status_code"] == 403);
    CHECK(e["deny_reason"] == reason);
    CHECK(e["cost_usd"] == 0);
    CHECK(e["fee_usd"] == 0);
    return err;
  };

  SECTION("action_not_allowed") {
    auto err = deny(gw(s, g.key, "DELETE", "/echo/x"), "policy_denied", "action_not_allowed");
    CHECK(err["policy_id"] == g.policy);
  }
  SECTION("path_denied, also through normalisation tricks") {
    deny(gw(s, g.key, "GET", "/echo/admin/users"), "policy_denied", "path_denied");
    deny(gw(s, g.key, "GET", "/echo/x/%2e%2E/admin/users"), "policy_denied", "path_denied");
    deny(gw(s, g.key, "GET", "/echo//admin"), "policy_denied", "path_denied");
    deny(gw(s, g.key, "GET", "/echo/./ADMIN/"), "policy_denied", "path_denied");
    CHECK(up.hits() == 0);
    // An encoded slash never normalises: 400 and nothing written.
    auto before = count_rows(s, "billing_events");
    auto r = gw(s, g.key, "GET", "/echo/x%2f..%2fadmin");
    CHECK(r.status == 400);
    CHECK(r.json()["error"]["code"] == "invalid_path");
    CHECK(count_rows(s, "billing_events") == before);
  }
  SECTION("cost_exceeds_max") {
    auto err = deny(gw(s, g.key, "GET", "/echo/x", {}, {{"X-Secu-Cost-USD", "1.5"}}),
                    "policy_denied", "cost_exceeds_max");
    CHECK(err["policy_id"] == g.policy);
  }
  SECTION("budget_exceeded") {
    REQUIRE(gw(s, g.key, "GET", "/echo/a", {}, {{"X-Secu-Cost-USD", "1"}}).status == 200);
    REQUIRE(gw(s, g.key, "GET", "/echo/b", {}, {{"X-Secu-Cost-USD", "0.75"}}).status == 200);
    auto err = deny(gw(s, g.key, "GET", "/echo/c", {}, {{"X-Secu-Cost-USD", "0.5"}}),
                    "budget_exceeded", "budget_exceeded");
    CHECK_FALSE(err.contains("policy_id"));
    // What is left still passes: 2 - 1.75 = 0.25.
    CHECK(gw(s, g.key, "GET", "/echo/d", {}, {{"X-Secu-Cost-USD", "0.25"}}).status == 200);
  }
  SECTION("agent_disabled after the kill-switch, with any key of the agent") {
    REQUIRE(admin(s, "POST", "/v1/kill-switch/" + g.agent).status == 200);
    deny(gw(s, g.key, "GET", "/echo/x"), "agent_disabled", "agent_disabled");
    // Re-enabled, it passes again.
    REQUIRE(admin(s, "POST", "/v1/agents/" + g.agent + "/enable").status == 200);
    CHECK(gw(s, g.key, "GET", "/echo/x").status == 200);
  }
  SECTION("no_policy: an agent without policies never fails open") {
    auto g2 = provision_gateway(
        s, gateway_options(up.base_url(), allow_all()).in_org(g.org).without_policy());
    auto err = deny(gw(s, g2.key, "GET", "/echo/x"), "policy_denied", "no_policy");
    CHECK_FALSE(err.contains("policy_id"));
  }
}

TEST_CASE("gateway: bad credentials answer 401, agent keys are refused on the control plane",
          "[gateway]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(s, gateway_options(up.base_url(), allow_all()));
  CHECK(http(s.url(), "GET", "/v1/gateway/echo/x").status == 401);
  CHECK(gw(s, "sk_secu_" + std::string(43, 'A'), "GET", "/echo/x").status == 401);
  CHECK(gw(s, "garbage", "GET", "/echo/x").status == 401);
  // An admin token or a user JWT cannot use the data plane.
  CHECK(http(s.url(), "GET", "/v1/gateway/echo/x", {}, {{"X-Secu-Admin-Token", s.admin_token()}})
            .status == 403);
  // The agent key cannot use control-plane routes.
  for (auto [m, p] : {std::pair{"GET", "/v1/agents"},
                      {"GET", "/v1/approvals"},
                      {"GET", "/v1/billing/summary"},
                      {"POST", "/v1/billing/settings"},
                      {"POST", "/v1/approvals/apr_x/approve"},
                      {"POST", "/v1/kill-switch/x"}}) {
    INFO(m << " " << p);
    CHECK(http(s.url(), m, p, "{}", bearer(g.key)).status == 403);
  }
  // Revoked: 401 at once, nothing forwarded.
  REQUIRE(admin(s, "DELETE", "/v1/keys/" + g.key_id).status == 200);
  const int hits = up.hits();
  auto r = gw(s, g.key, "GET", "/echo/x");
  CHECK(r.status == 401);
  CHECK(r.json()["error"]["code"] == "unauthenticated");
  CHECK(up.hits() == hits);
}

TEST_CASE("gateway: bad input answers 400 and writes nothing", "[gateway]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(s, gateway_options(up.base_url(), allow_all()));
  const auto events = count_rows(s, "billing_events");
  const auto audits = count_rows(s, "audit_log");
  for (const char* cost : {"-1", "abc", "1e3", "NaN", "0.1.2", "+1"}) {
    INFO(cost);
    auto r = gw(s, g.key, "GET", "/echo/x", {}, {{"X-Secu-Cost-USD", cost}});
    CHECK(r.status == 400);
  }
  CHECK(gw(s, g.key, "GET", "/echo/x", {}, {{"X-Secu-Action", "GET /echo/other"}}).status == 403);
  auto r = gw(s, g.key, "GET", "/echo/x", {}, {{"X-Secu-Action", std::string(300, 'a')}});
  CHECK(r.status == 400);
  CHECK(gw(s, g.key, "GET", "/echo/%zz").status == 400);
  // The action_mismatch above is a decision (403, billed); the 400s wrote nothing.
  CHECK(count_rows(s, "billing_events") == events + 1);
  CHECK(count_rows(s, "audit_log") == audits + 1);
  CHECK(up.hits() == 0);
}

TEST_CASE("gateway: metering from the vendor header, and fees in both modes", "[gateway]") {
  Secud s(secud_with({"--take-rate-bps", "250"}));
  Upstream up;
  auto g = provision_gateway(s, gateway_options(up.base_url(), allow_all()).budget(100.0));
  SECTION("take_rate from the daemon default, on the metered cost") {
    auto r = gw(s, g.key, "GET", "/cost?usd=0.0123", {}, {{"X-Secu-Cost-USD", "0.5"}});
    REQUIRE(r.status == 200);
    CHECK(r.body == "metered");
    auto e = settled_event(s, r.header("X-Secu-Event-Id"));
    CHECK(e["metering_source"] == "vendor_header");
    CHECK(e["authorized_cost_micros"] == 500000);
    CHECK(e["cost_micros"] == 12300);
    CHECK(e["fee_micros"] == 308);  // 12,300 × 2.5 % = 307.5 → 308 (half up)
    // Without the header: the declared cost.
    auto r2 = gw(s, g.key, "GET", "/echo/x", {}, {{"X-Secu-Cost-USD", "2"}});
    auto e2 = settled_event(s, r2.header("X-Secu-Event-Id"));
    CHECK(e2["metering_source"] == "declared");
    CHECK(e2["cost_micros"] == 2000000);
    CHECK(e2["fee_micros"] == 50000);
    // The budget row now holds exactly the metered costs.
    auto sum = admin(s, "GET", "/v1/billing/summary?agent_id=" + g.agent).json();
    CHECK(sum["total_cost_micros"] == 2012300);
    CHECK(sum["total_fee_micros"] == 50308);
    CHECK(sum["fee_mode"] == "take_rate");
    CHECK(sum["take_rate_bps"] == 250);
  }
  SECTION("per_action, overridden per org") {
    auto set = admin(
        s, "POST", "/v1/billing/settings",
        json{{"org_id", g.org}, {"fee_mode", "per_action"}, {"fee_per_action_usd", 0.002}}.dump());
    INFO(set.body);
    REQUIRE(set.status == 200);
    CHECK(set.json()["fee_source"] == "org");
    auto r = gw(s, g.key, "GET", "/cost?usd=3", {}, {{"X-Secu-Cost-USD", "5"}});
    auto e = settled_event(s, r.header("X-Secu-Event-Id"));
    CHECK(e["cost_micros"] == 3000000);
    CHECK(e["fee_micros"] == 2000);
    auto d = gw(s, g.key, "GET", "/echo/x", {}, {{"X-Secu-Cost-USD", "200"}});
    REQUIRE(d.status == 403);  // over budget: a denial bears no fee
    CHECK(settled_event(s, d.header("X-Secu-Event-Id"))["fee_micros"] == 0);
    auto sum = admin(s, "GET", "/v1/billing/summary?org_id=" + g.org).json();
    CHECK(sum["fee_mode"] == "per_action");
    CHECK(sum["fee_per_action_usd"] == 0.002);
    CHECK(sum["total_fee_micros"] == 2000);
    CHECK(sum["total_events"] == 2);
    CHECK(sum["allowed_events"] == 1);
    CHECK(sum["denied_events"] == 1);
  }
}

TEST_CASE("gateway: vendor down answers 502, is recorded, and releases the reservation",
          "[gateway]") {
  Secud s;
  int dead_port = 0;
  {
    Upstream gone;  // bound, then closed: nothing listens there any more
    dead_port = gone.port();
  }
  auto g = provision_gateway(
      s, gateway_options("http://127.0.0.1:" + std::to_string(dead_port) + "/api", allow_all())
             .budget(1.0));
  auto r = gw(s, g.key, "GET", "/echo/x", {}, {{"X-Secu-Cost-USD", "1"}});
  INFO(r.body);
  CHECK(r.status == 502);
  CHECK(r.json()["error"]["code"] == "upstream_unreachable");
  auto e = settled_event(s, r.header("X-Secu-Event-Id"));
  CHECK(e["allow"] == true);
  CHECK(e["status_code"] == 502);
  CHECK(e["error_code"] == "upstream_unreachable");
  CHECK(e["cost_micros"] == 0);
  CHECK(e["metering_source"] == "none");
  // Nothing was spent: the whole budget is available again.
  CHECK(gw(s, g.key, "GET", "/echo/x", {}, {{"X-Secu-Cost-USD", "1"}}).status == 502);
}

TEST_CASE("gateway: an upstream error status passes through and is metered", "[gateway]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(s, gateway_options(up.base_url(), allow_all()));
  auto r = gw(s, g.key, "GET", "/status?code=429");
  CHECK(r.status == 429);
  CHECK(r.body == "status 429");
  auto e = settled_event(s, r.header("X-Secu-Event-Id"));
  CHECK(e["status_code"] == 429);
  CHECK(e["allow"] == true);
}
