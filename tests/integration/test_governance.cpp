// Agents, policies, vendors, keys and the kill-switch against the real secud.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>

#include "support/api.hpp"
#include "support/fixture.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

struct Provisioned {
  std::string org, policy, agent, vendor, key_id, key_secret;
};

Provisioned provision(const Secud& s) {
  Provisioned p;
  p.org = make_org(s, "Acme");
  p.policy = created_id(admin(s, "POST", "/v1/policies",
                              json{{"org_id", p.org},
                                   {"name", "reads"},
                                   {"allowed_actions", {"GET *"}},
                                   {"denied_path_prefixes", {"/admin"}},
                                   {"max_cost_per_request", 0.5},
                                   {"approval_min_cost", 0.25}}
                                  .dump()));
  p.agent = created_id(admin(
      s, "POST", "/v1/agents",
      json{{"org_id", p.org}, {"name", "bot"}, {"daily_budget", 5}, {"policy_ids", {p.policy}}}
          .dump()));
  p.vendor = created_id(admin(s, "POST", "/v1/vendors",
                              json{{"org_id", p.org},
                                   {"name", "upstream"},
                                   {"base_url", "http://127.0.0.1:9/api/"},
                                   {"api_key", "vendor-secret-abcdef-9876"},
                                   {"auth_type", "header"},
                                   {"header_name", "X-Api-Key"}}
                                  .dump()));
  auto key =
      admin(s, "POST", "/v1/keys", json{{"agent_id", p.agent}, {"vendor_id", p.vendor}}.dump());
  p.key_id = created_id(key);
  p.key_secret = key.json().at("key").get<std::string>();
  return p;
}

}  // namespace

TEST_CASE("governance: provisioning answers whole objects with secrets shown once",
          "[governance]") {
  Secud s;
  auto p = provision(s);
  auto agent = admin(s, "GET", "/v1/agents/" + p.agent).json();
  CHECK(agent["status"] == "active");
  CHECK(agent["daily_budget"] == 5.0);
  CHECK(agent["policy_ids"] == json::array({p.policy}));
  CHECK_FALSE(agent.contains("disabled_at"));

  auto policy = admin(s, "GET", "/v1/policies/" + p.policy).json();
  CHECK(policy["max_cost_per_request"] == 0.5);
  CHECK(policy["approval_min_cost"] == 0.25);
  CHECK(policy["require_approval"] == false);

  auto vendor = admin(s, "GET", "/v1/vendors/" + p.vendor).json();
  CHECK(vendor["api_key"] == "…9876");
  CHECK(vendor["base_url"] == "http://127.0.0.1:9/api");  // trailing slash normalised

  CHECK(p.key_secret.rfind("sk_secu_", 0) == 0);
  auto key = admin(s, "GET", "/v1/keys/" + p.key_id);
  CHECK(key.json()["status"] == "active");
  CHECK(key.body.find(p.key_secret) == std::string::npos);
  CHECK(admin(s, "GET", "/v1/keys?agent_id=" + p.agent).json()["keys"].size() == 1);

  // Secrets at rest: neither the vendor api key nor the agent key is in the database file.
  s.stop();
  const auto db = slurp(s.data_dir() + "/secu.db") + slurp(s.data_dir() + "/secu.db-wal");
  CHECK(db.find("vendor-secret-abcdef-9876") == std::string::npos);
  CHECK(db.find(p.key_secret) == std::string::npos);
  CHECK(s.err().find("vendor-secret-abcdef-9876") == std::string::npos);
  CHECK(s.err().find(p.key_secret) == std::string::npos);
}

TEST_CASE("governance: every change appends one audit entry", "[governance][audit]") {
  Secud s;
  const auto before = count_rows(s, "audit_log");
  auto p = provision(s);  // org, policy, agent, vendor, key
  CHECK(count_rows(s, "audit_log") == before + 5);
  admin(s, "PATCH", "/v1/agents/" + p.agent, json{{"daily_budget", 7.5}}.dump());
  admin(s, "POST", "/v1/kill-switch/" + p.agent);
  admin(s, "DELETE", "/v1/keys/" + p.key_id);
  CHECK(count_rows(s, "audit_log") == before + 8);
}

TEST_CASE("governance: the kill-switch disables at once, is idempotent, and enable undoes it",
          "[governance][kill]") {
  Secud s;
  auto p = provision(s);
  auto first = admin(s, "POST", "/v1/kill-switch/" + p.agent);
  REQUIRE(first.status == 200);
  CHECK(first.json()["status"] == "disabled");
  CHECK(first.json()["disabled_at"].is_string());
  CHECK(first.json()["already_disabled"] == false);
  auto again = admin(s, "POST", "/v1/kill-switch/" + p.agent);
  REQUIRE(again.status == 200);
  CHECK(again.json()["already_disabled"] == true);
  CHECK(again.json()["disabled_at"] == first.json()["disabled_at"]);
  // Nothing is revoked silently.
  CHECK(admin(s, "GET", "/v1/keys/" + p.key_id).json()["status"] == "active");
  CHECK(admin(s, "GET", "/v1/agents?status=disabled").json()["agents"].size() == 1);
  auto enabled = admin(s, "POST", "/v1/agents/" + p.agent + "/enable");
  REQUIRE(enabled.status == 200);
  CHECK(enabled.json()["status"] == "active");
  CHECK_FALSE(enabled.json().contains("disabled_at"));
  CHECK(admin(s, "POST", "/v1/kill-switch/agt_nope").status == 404);
}

TEST_CASE("governance: PATCH attaches and detaches policies of the same org only", "[governance]") {
  Secud s;
  auto p = provision(s);
  auto second = created_id(
      admin(s, "POST", "/v1/policies", json{{"org_id", p.org}, {"name", "writes"}}.dump()));
  auto r = admin(s, "PATCH", "/v1/agents/" + p.agent,
                 json{{"attach_policy_ids", {second}}, {"detach_policy_ids", {p.policy}}}.dump());
  REQUIRE(r.status == 200);
  CHECK(r.json()["policy_ids"] == json::array({second}));
  auto other_org = make_org(s, "Other");
  auto foreign = created_id(
      admin(s, "POST", "/v1/policies", json{{"org_id", other_org}, {"name", "theirs"}}.dump()));
  auto bad =
      admin(s, "PATCH", "/v1/agents/" + p.agent, json{{"attach_policy_ids", {foreign}}}.dump());
  CHECK(bad.status == 404);
  CHECK(bad.json()["error"]["field"] == "policy_ids");
  CHECK(admin(s, "GET", "/v1/agents/" + p.agent).json()["policy_ids"] == json::array({second}));
  auto pol = admin(s, "PATCH", "/v1/policies/" + second,
                   json{{"require_approval", true}, {"approval_actions", {"POST *"}}}.dump());
  REQUIRE(pol.status == 200);
  CHECK(pol.json()["require_approval"] == true);
}

TEST_CASE("governance: vendor delete needs its keys revoked first", "[governance]") {
  Secud s;
  auto p = provision(s);
  auto busy = admin(s, "DELETE", "/v1/vendors/" + p.vendor);
  CHECK(busy.status == 409);
  CHECK(busy.json()["error"]["code"] == "vendor_in_use");
  REQUIRE(admin(s, "DELETE", "/v1/keys/" + p.key_id).json()["status"] == "revoked");
  REQUIRE(admin(s, "DELETE", "/v1/vendors/" + p.vendor).status == 200);
  CHECK(admin(s, "GET", "/v1/vendors/" + p.vendor).status == 404);
  CHECK(admin(s, "GET", "/v1/vendors?org_id=" + p.org).json()["vendors"].empty());
  // A deleted vendor takes no new keys.
  CHECK(admin(s, "POST", "/v1/keys", json{{"agent_id", p.agent}, {"vendor_id", p.vendor}}.dump())
            .status == 404);
}

TEST_CASE("governance: bad input answers 400 with the field and writes nothing",
          "[governance][validation]") {
  Secud s;
  auto org = make_org(s, "Acme");
  struct Case {
    const char* path;
    json body;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"/v1/agents", {{"org_id", org}}, "name"},
      {"/v1/agents", {{"org_id", org}, {"name", 5}}, "name"},
      {"/v1/agents", {{"org_id", org}, {"name", ""}}, "name"},
      {"/v1/agents", {{"org_id", org}, {"name", "b"}, {"daily_budget", -1}}, "daily_budget"},
      {"/v1/agents", {{"org_id", org}, {"name", "b"}, {"daily_budget", "5"}}, "daily_budget"},
      {"/v1/agents", {{"org_id", org}, {"name", "b"}, {"policy_ids", "pol_x"}}, "policy_ids"},
      {"/v1/agents", {{"org_id", org}, {"name", "b"}, {"extra", true}}, "extra"},
      {"/v1/policies", {{"org_id", org}}, "name"},
      {"/v1/policies",
       {{"org_id", org}, {"name", "p"}, {"denied_path_prefixes", {"admin"}}},
       "denied_path_prefixes"},
      {"/v1/policies",
       {{"org_id", org}, {"name", "p"}, {"allowed_actions", {""}}},
       "allowed_actions"},
      {"/v1/policies",
       {{"org_id", org}, {"name", "p"}, {"max_cost_per_request", -0.01}},
       "max_cost_per_request"},
      {"/v1/policies",
       {{"org_id", org}, {"name", "p"}, {"require_approval", "yes"}},
       "require_approval"},
      {"/v1/vendors",
       {{"org_id", org}, {"name", "v"}, {"base_url", "ftp://x"}, {"api_key", "k"}},
       "base_url"},
      {"/v1/vendors",
       {{"org_id", org}, {"name", "v"}, {"base_url", "http://u:p@x"}, {"api_key", "k"}},
       "base_url"},
      {"/v1/vendors", {{"org_id", org}, {"name", "v"}, {"base_url", "http://x"}}, "api_key"},
      {"/v1/vendors",
       {{"org_id", org},
        {"name", "v"},
        {"base_url", "http://x"},
        {"api_key", "k"},
        {"auth_type", "header"}},
       "header_name"},
      {"/v1/vendors",
       {{"org_id", org},
        {"name", "v"},
        {"base_url", "http://x"},
        {"api_key", "k"},
        {"auth_type", "magic"}},
       "auth_type"},
      {"/v1/keys", {{"agent_id", "agt_x"}}, "vendor_id"},
      {"/v1/keys", {{"agent_id", 1}, {"vendor_id", "vnd_x"}}, "agent_id"},
  };
  const auto audit_before = count_rows(s, "audit_log");
  for (const auto& c : cases) {
    INFO(c.path << " " << c.body.dump());
    auto r = admin(s, "POST", c.path, c.body.dump());
    CHECK(r.status == 400);
    CHECK(r.json()["error"]["field"] == c.field);
  }
  for (const char* path : {"/v1/agents", "/v1/policies", "/v1/vendors", "/v1/keys"}) {
    INFO(path);
    CHECK(admin(s, "POST", path, "{not json").status == 400);
    CHECK(admin(s, "POST", path, "[1,2]").status == 400);
    CHECK(admin(s, "POST", path, std::string(1024 * 1024 + 10, ' ')).status == 413);
  }
  CHECK(count_rows(s, "agents") == 0);
  CHECK(count_rows(s, "policies") == 0);
  CHECK(count_rows(s, "vendors") == 0);
  CHECK(count_rows(s, "keys") == 0);
  CHECK(count_rows(s, "audit_log") == audit_before);
}

TEST_CASE("governance: unknown ids answer 404, the admin token must name an org", "[governance]") {
  Secud s;
  auto org = make_org(s, "Acme");
  CHECK(admin(s, "POST", "/v1/agents", json{{"name", "b"}}.dump()).json()["error"]["field"] ==
        "org_id");
  CHECK(admin(s, "POST", "/v1/agents", json{{"org_id", "org_missing"}, {"name", "b"}}.dump())
            .status == 404);
  CHECK(admin(s, "POST", "/v1/agents",
              json{{"org_id", org}, {"name", "b"}, {"policy_ids", {"pol_missing"}}}.dump())
            .status == 404);
  CHECK(admin(s, "POST", "/v1/keys", json{{"agent_id", "agt_x"}, {"vendor_id", "vnd_x"}}.dump())
            .status == 404);
  for (const char* path :
       {"/v1/agents/agt_x", "/v1/policies/pol_x", "/v1/vendors/vnd_x", "/v1/keys/key_x"}) {
    CHECK(admin(s, "GET", path).status == 404);
  }
  CHECK(admin(s, "PATCH", "/v1/agents/agt_x", "{}").status == 404);
  CHECK(admin(s, "DELETE", "/v1/keys/key_x").status == 404);
  CHECK(count_rows(s, "agents") == 0);
}

TEST_CASE("governance: another org's ids answer 404 and lists show only the caller's org",
          "[governance][tenancy]") {
  Secud s;
  auto a = provision(s);
  auto org_b = make_org(s, "Beta");
  const auto admin_b = make_user_token(s, org_b, "admin", "admin@beta.example");
  const auto viewer_a = make_user_token(s, a.org, "viewer", "viewer@acme.example");
  const auto H = bearer(admin_b);
  for (const auto& path : {"/v1/agents/" + a.agent, "/v1/policies/" + a.policy,
                           "/v1/vendors/" + a.vendor, "/v1/keys/" + a.key_id}) {
    INFO(path);
    auto r = http(s.url(), "GET", path, {}, H);
    CHECK(r.status == 404);
    CHECK(r.body.find(a.org) == std::string::npos);
  }
  CHECK(http(s.url(), "POST", "/v1/kill-switch/" + a.agent, {}, H).status == 404);
  CHECK(http(s.url(), "PATCH", "/v1/agents/" + a.agent, "{\"name\":\"x\"}", H).status == 404);
  CHECK(http(s.url(), "DELETE", "/v1/keys/" + a.key_id, {}, H).status == 404);
  CHECK(http(s.url(), "DELETE", "/v1/vendors/" + a.vendor, {}, H).status == 404);
  CHECK(http(s.url(), "POST", "/v1/keys",
             json{{"agent_id", a.agent}, {"vendor_id", a.vendor}}.dump(), H)
            .status == 404);
  // Naming the other org explicitly is a 404 too, for reads and writes.
  CHECK(http(s.url(), "GET", "/v1/agents?org_id=" + a.org, {}, H).status == 404);
  CHECK(http(s.url(), "POST", "/v1/agents", json{{"org_id", a.org}, {"name", "x"}}.dump(), H)
            .status == 404);
  for (const char* list : {"/v1/agents", "/v1/policies", "/v1/vendors", "/v1/keys"}) {
    auto r = http(s.url(), "GET", list, {}, H);
    REQUIRE(r.status == 200);
    CHECK(r.body.find(a.org) == std::string::npos);
  }
  // Org B's admin creates in org B without naming it.
  auto mine = http(s.url(), "POST", "/v1/agents", json{{"name", "b-bot"}}.dump(), H);
  REQUIRE(mine.status == 200);
  CHECK(mine.json()["org_id"] == org_b);
  // A viewer of org A reads but may not write.
  CHECK(http(s.url(), "GET", "/v1/agents/" + a.agent, {}, bearer(viewer_a)).status == 200);
  CHECK(http(s.url(), "POST", "/v1/kill-switch/" + a.agent, {}, bearer(viewer_a)).status == 403);
  CHECK(http(s.url(), "POST", "/v1/agents", json{{"name", "x"}}.dump(), bearer(viewer_a)).status ==
        403);
  // No or wrong credentials.
  CHECK(http(s.url(), "POST", "/v1/agents", json{{"name", "x"}}.dump()).status == 401);
  CHECK(http(s.url(), "POST", "/v1/agents", json{{"name", "x"}}.dump(),
             {{"X-Secu-Admin-Token", "secu_admin_wrong"}})
            .status == 401);
  CHECK(http(s.url(), "GET", "/v1/keys", {}, bearer("garbage")).status == 401);
  // The agent key is for the data plane only.
  CHECK(http(s.url(), "GET", "/v1/agents", {}, bearer(a.key_secret)).status != 200);
}

TEST_CASE("governance: lists page newest first with a cursor", "[governance][paging]") {
  Secud s;
  auto org = make_org(s, "Acme");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(created_id(admin(
        s, "POST", "/v1/agents", json{{"org_id", org}, {"name", "a" + std::to_string(i)}}.dump())));
  }
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    auto r = admin(s, "GET", "/v1/agents?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(r.status == 200);
    auto j = r.json();
    for (const auto& a : j["agents"])
      seen.push_back(a["id"]);
    if (!j.contains("next_cursor")) break;
    cursor = j["next_cursor"];
  }
  std::reverse(ids.begin(), ids.end());
  CHECK(seen == ids);
  CHECK(admin(s, "GET", "/v1/agents?limit=0").status == 400);
  CHECK(admin(s, "GET", "/v1/agents?limit=1001").status == 400);
  CHECK(admin(s, "GET", "/v1/agents?cursor=%%%").status == 400);
}

TEST_CASE("governance: a CI script provisions in one go through secuctl", "[governance][cli]") {
  Secud s;
  auto org = make_org(s, "Acme");
  TempDir tmp;
  const std::map<std::string, std::string> env = {{"SECU_ADDR", s.url()},
                                                  {"SECU_DATA_DIR", s.data_dir()},
                                                  {"XDG_CONFIG_HOME", tmp.path() + "/cfg"}};
  auto trim = [](std::string v) {
    while (!v.empty() && v.back() == '\n')
      v.pop_back();
    return v;
  };
  auto agent = secuctl(
      {"-q", "agents", "create", "--org", org, "--name", "bot", "--daily-budget", "5"}, env);
  REQUIRE(agent.exit_code == 0);
  const auto agent_id = trim(agent.out);
  CHECK(agent_id.rfind("agt_", 0) == 0);
  auto policy = secuctl({"-q", "policies", "create", "--org", org, "--name", "reads", "--allow",
                         "GET *", "--deny-prefix", "/admin", "--approval-min-cost", "1"},
                        env);
  REQUIRE(policy.exit_code == 0);
  const auto policy_id = trim(policy.out);
  REQUIRE(secuctl({"agents", "update", agent_id, "--attach-policy", policy_id}, env).exit_code ==
          0);
  const std::string key_file = tmp.path() + "/vendor.key";
  { std::ofstream(key_file) << "vendor-api-key-from-file-1234\n"; }
  auto vendor = secuctl({"-q", "vendors", "create", "--org", org, "--name", "up", "--base-url",
                         "http://127.0.0.1:9", "--api-key-file", key_file},
                        env);
  REQUIRE(vendor.exit_code == 0);
  const auto vendor_id = trim(vendor.out);
  // The api key may also come on stdin.
  auto vendor2 = secuctl({"-q", "vendors", "create", "--org", org, "--name", "up2", "--base-url",
                          "https://example.com"},
                         env, "stdin-key-5678\n");
  REQUIRE(vendor2.exit_code == 0);
  auto key = secuctl({"-q", "keys", "create", "--agent", agent_id, "--vendor", vendor_id}, env);
  REQUIRE(key.exit_code == 0);
  CHECK(key.out.rfind("sk_secu_", 0) == 0);
  CHECK(std::count(key.out.begin(), key.out.end(), '\n') == 1);  // only the secret
  // The kill-switch is destructive too: refused without a terminal unless --yes.
  auto refused = secuctl({"kill-switch", agent_id}, env);
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("--yes") != std::string::npos);
  CHECK(json::parse(secuctl({"-o", "json", "agents", "get", agent_id}, env).out)["status"] ==
        "active");
  auto kill = secuctl({"kill-switch", agent_id, "--yes"}, env);
  REQUIRE(kill.exit_code == 0);
  auto got = secuctl({"-o", "json", "agents", "get", agent_id}, env);
  REQUIRE(got.exit_code == 0);
  CHECK(json::parse(got.out)["status"] == "disabled");
  CHECK(secuctl({"agents", "get", "agt_missing"}, env).exit_code == 4);
  // Destructive commands need --yes without a terminal.
  auto key_id = trim(secuctl({"-q", "keys", "list", "--agent", agent_id}, env).out);
  CHECK(secuctl({"keys", "revoke", key_id}, env).exit_code == 2);
  CHECK(secuctl({"keys", "revoke", key_id, "--yes"}, env).exit_code == 0);
  auto table = secuctl({"agents", "list"}, env);
  CHECK(table.out.rfind("ID", 0) == 0);
  CHECK(table.out.find(agent_id) != std::string::npos);
  auto csv = secuctl({"-o", "csv", "vendors", "list"}, env);
  CHECK(csv.out.find("id,name,base_url") == 0);
}
