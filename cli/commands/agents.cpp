// secuctl agents create|list|get|update|enable|kill, and kill-switch AGENT_ID.
#include "commands/render.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kAgentColumns = {
    {"ID", "id"},
    {"NAME", "name"},
    {"STATUS", "status"},
    {"BUDGET", "daily_budget"},
    {"POLICIES", "policy_ids"},
    {"ORG", "org_id"},
    {"CREATED", "created_at"},
};

struct AgentsCreateOptions {
  std::string org, name;
  std::optional<double> daily_budget;
  std::vector<std::string> policies;
};

struct AgentsUpdateOptions {
  std::string id;
  std::optional<std::string> name;
  std::optional<double> daily_budget;
  std::vector<std::string> attach, detach;
  std::optional<bool> listed;
  std::optional<double> price;
  std::optional<std::string> pricing_model;
};

int agents_create_run(const AgentsCreateOptions& o, Deps& d) {
  nlohmann::json body = {{"name", o.name}};
  if (!o.org.empty()) body["org_id"] = o.org;
  if (o.daily_budget) body["daily_budget"] = *o.daily_budget;
  if (!o.policies.empty()) body["policy_ids"] = o.policies;
  return call_and_print(d, "POST", "/v1/agents", body, kAgentColumns);
}

int agents_update_run(const AgentsUpdateOptions& o, Deps& d) {
  nlohmann::json body = nlohmann::json::object();
  if (o.name) body["name"] = *o.name;
  if (o.daily_budget) body["daily_budget"] = *o.daily_budget;
  if (!o.attach.empty()) body["attach_policy_ids"] = o.attach;
  if (!o.detach.empty()) body["detach_policy_ids"] = o.detach;
  if (o.listed) body["listed"] = *o.listed;
  if (o.price) body["price"] = *o.price;
  if (o.pricing_model) body["pricing_model"] = *o.pricing_model;
  return call_and_print(d, "PATCH", "/v1/agents/" + url_encode(o.id), body, kAgentColumns);
}

int kill_run(const std::string& id, bool yes, Deps& d) {
  // It stops a running agent mid-work and cancels its pending approvals: asked on a terminal,
  // --yes in scripts (like every destructive command).
  if (!confirm(d, "Disable agent " + id + " and cancel its pending approvals?", yes))
    return kExitUsage;
  return call_and_print(d, "POST", "/v1/kill-switch/" + url_encode(id), nullptr, kAgentColumns);
}

void add_kill(CLI::App* cmd, Deps& d, RunState& rs) {
  auto id = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  cmd->add_option("agent_id", *id, "the agent to disable")->required();
  cmd->add_flag("-y,--yes", *yes, "do not ask for confirmation (needed without a terminal)");
  calls(cmd, {"POST /v1/kill-switch/{agent_id}"});
  cmd->callback([id, yes, &d, &rs] { rs.run = [id, yes, &d] { return kill_run(*id, *yes, d); }; });
}

}  // namespace

void add_agents_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* agents = app.add_subcommand("agents", "Manage agent identities");
  agents->require_subcommand(1);

  auto co = std::make_shared<AgentsCreateOptions>();
  auto* create = agents->add_subcommand(
      "create", "Create an agent\n  AGENT=$(secuctl -q agents create --name bot --daily-budget 5)");
  create->add_option("--name", co->name, "agent name")->required();
  create->add_option("--daily-budget", co->daily_budget, "daily budget in USD");
  create->add_option("--policy", co->policies, "attach a policy (repeatable)");
  create->add_option("--org", co->org, "org id (platform admin)");
  add_dry_run_flag(create, d);
  calls(create, {"POST /v1/agents"});
  create->callback([co, &d, &rs] { rs.run = [co, &d] { return agents_create_run(*co, d); }; });

  auto lo = std::make_shared<ListOptions>();
  auto status = std::make_shared<std::string>();
  auto* list = agents->add_subcommand("list", "List agents");
  add_list_options(list, *lo);
  list->add_option("--status", *status, "active or disabled");
  calls(list, {"GET /v1/agents"});
  list->callback([lo, status, &d, &rs] {
    rs.run = [lo, status, &d] {
      return call_and_print_list(d, "/v1/agents" + list_query(*lo, {{"status", *status}}), "agents",
                                 kAgentColumns, lo->all);
    };
  });

  auto gid = std::make_shared<std::string>();
  auto* get = agents->add_subcommand("get", "Show an agent");
  get->add_option("agent_id", *gid, "agent id")->required();
  calls(get, {"GET /v1/agents/{id}"});
  get->callback([gid, &d, &rs] {
    rs.run = [gid, &d] {
      return call_and_print(d, "GET", "/v1/agents/" + url_encode(*gid), nullptr, kAgentColumns);
    };
  });

  auto uo = std::make_shared<AgentsUpdateOptions>();
  auto* update = agents->add_subcommand("update", "Rename, re-budget, attach or detach policies");
  update->add_option("agent_id", uo->id, "agent id")->required();
  update->add_option("--name", uo->name, "new name");
  update->add_option("--daily-budget", uo->daily_budget, "daily budget in USD");
  update->add_option("--attach-policy", uo->attach, "attach a policy (repeatable)");
  update->add_option("--detach-policy", uo->detach, "detach a policy (repeatable)");
  update->add_option("--listed", uo->listed, "list on the marketplace (true) or unlist (false)");
  update->add_option("--price", uo->price, "marketplace price in USD");
  update->add_option("--pricing-model", uo->pricing_model, "per_call, per_day or fixed")
      ->check(CLI::IsMember({"per_call", "per_day", "fixed"}));
  calls(update, {"PATCH /v1/agents/{id}"});
  update->callback([uo, &d, &rs] { rs.run = [uo, &d] { return agents_update_run(*uo, d); }; });

  auto eid = std::make_shared<std::string>();
  auto* enable = agents->add_subcommand("enable", "Re-enable an agent after a kill-switch");
  enable->add_option("agent_id", *eid, "agent id")->required();
  calls(enable, {"POST /v1/agents/{id}/enable"});
  enable->callback([eid, &d, &rs] {
    rs.run = [eid, &d] {
      return call_and_print(d, "POST", "/v1/agents/" + url_encode(*eid) + "/enable", nullptr,
                            kAgentColumns);
    };
  });

  add_kill(agents->add_subcommand("kill", "Disable an agent at once (the kill-switch)"), d, rs);
  add_kill(app.add_subcommand("kill-switch", "Disable an agent at once (same as agents kill)"), d,
           rs);
}

}  // namespace secu::cli
