// Agents and the kill-switch: POST /v1/agents (contract), GET /v1/agents, GET/PATCH
// /v1/agents/{id}, POST /v1/agents/{id}/enable, POST /v1/kill-switch/{agent_id} (contract).
#include <nlohmann/json.hpp>

#include "gateway/runtime.hpp"
#include "secu/governance.hpp"
#include "secu/governance_render.hpp"
#include "secu/json_input.hpp"
#include "server/app.hpp"
#include "server/routes.hpp"
#include "server/scope.hpp"

namespace secu::daemon {

namespace {

using governance::agent_json;
using governance::key_json;
using governance::list_json;
using governance::policy_json;
using governance::vendor_json;

constexpr json::ArrayRule kPolicyIds{.max_items = 100, .max_len = 64};

void create(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  const auto org = r.str("org_id", {.max_len = 64});
  governance::AgentChange in;
  in.name = r.str("name", {.required = true, .min_len = 1, .max_len = 200});
  in.daily_budget_micros = r.usd("daily_budget");
  in.policy_ids = r.str_array("policy_ids", kPolicyIds);
  Ctx::unwrap(r.finish());
  const auto org_id = org_for_write(c, org);
  store::AgentRow out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out, governance::create_agent(tx, org_id, in, c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, agent_json(out));
}

void list(Ctx& c) {
  const auto org_id = org_for_read(c);
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  const auto status = c.query("status").value_or("");
  if (!status.empty() && status != "active" && status != "disabled")
    Ctx::fail(Error::invalid("status must be active or disabled", "status"));
  std::vector<store::AgentRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_agents(db, org_id, status, page));
    return {};
  });
  c.reply(200, list_json("agents", rows, page.limit, agent_json));
}

void get(Ctx& c) {
  std::optional<store::AgentRow> row;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(row, store::get_agent(db, c.param(0)));
    return {};
  });
  if (!row) Ctx::fail(Error::not_found("agent"));
  require_visible(c, row->org_id, "agent");
  c.reply(200, agent_json(*row));
}

void update(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  governance::AgentChange in;
  in.name = r.str("name", {.min_len = 1, .max_len = 200});
  in.daily_budget_micros = r.usd("daily_budget");
  in.policy_ids = r.str_array("policy_ids", kPolicyIds);
  in.attach_policy_ids =
      r.str_array("attach_policy_ids", kPolicyIds).value_or(std::vector<std::string>{});
  in.detach_policy_ids =
      r.str_array("detach_policy_ids", kPolicyIds).value_or(std::vector<std::string>{});
  in.listed = r.boolean("listed");
  in.price_micros = r.usd("price");
  in.pricing_model = r.str("pricing_model", {.max_len = 32});
  Ctx::unwrap(r.finish());
  store::AgentRow out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out, governance::update_agent(tx, write_scope(c), c.param(0), in,
                                           c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, agent_json(out));
}

void kill(Ctx& c) {
  governance::KillResult out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out,
             governance::kill_agent(tx, write_scope(c), c.param(0), c.audit_entry({}, {}, {}, {})));
    return {};
  });
  // Committed: cut its open gateway streams and wake its approvals' long polls.
  gateway::on_agent_killed(c.app(), out.agent.id);
  auto j = agent_json(out.agent);
  j["already_disabled"] = out.already_disabled;
  c.reply(200, j);
}

void enable(Ctx& c) {
  store::AgentRow out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out, governance::enable_agent(tx, write_scope(c), c.param(0),
                                           c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, agent_json(out));
}

}  // namespace

void register_agent_routes(RouteTable& t) {
  t.add("POST", "/v1/agents", Access::kAdmin, "Create agent", create).dry_run = true;
  t.add("GET", "/v1/agents", Access::kViewer, "List agents (scoped by principal)", list);
  t.add("GET", "/v1/agents/{id}", Access::kViewer, "Get an agent", get);
  t.add("PATCH", "/v1/agents/{id}", Access::kAdmin,
        "Update an agent (name, budget, attach/detach policies)", update);
  t.add("POST", "/v1/agents/{id}/enable", Access::kAdmin, "Re-enable a killed agent", enable);
  t.add("POST", "/v1/kill-switch/{agent_id}", Access::kAdmin, "Disable an agent identity", kill);
}

}  // namespace secu::daemon
