// secuctl policies create|list|get|update.
#include "commands/render.hpp"
#include "secu/files.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kPolicyColumns = {
    {"ID", "id"},
    {"NAME", "name"},
    {"ALLOWED", "allowed_actions"},
    {"DENIED PREFIXES", "denied_path_prefixes"},
    {"MAX COST", "max_cost_per_request"},
    {"APPROVAL", "require_approval"},
    {"APPROVAL MIN COST", "approval_min_cost"},
    {"APPROVAL ACTIONS", "approval_actions"},
    {"ORG", "org_id"},
};

struct PolicyOptions {
  std::string id, org, file;
  std::optional<std::string> name;
  std::vector<std::string> allow, deny_prefix, approval_actions;
  std::optional<double> max_cost, approval_min_cost;
  std::optional<bool> require_approval;
};

// Flags over the file: --file gives a whole JSON body; flags set fields on top of it.
Result<nlohmann::json> policy_body(const PolicyOptions& o) {
  nlohmann::json body = nlohmann::json::object();
  if (!o.file.empty()) {
    SECU_TRY(auto text, files::read_all(o.file));
    body = nlohmann::json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return Error::invalid(o.file + " is not a JSON object");
  }
  if (!o.org.empty()) body["org_id"] = o.org;
  if (o.name) body["name"] = *o.name;
  if (!o.allow.empty()) body["allowed_actions"] = o.allow;
  if (!o.deny_prefix.empty()) body["denied_path_prefixes"] = o.deny_prefix;
  if (o.max_cost) body["max_cost_per_request"] = *o.max_cost;
  if (o.require_approval) body["require_approval"] = *o.require_approval;
  if (o.approval_min_cost) body["approval_min_cost"] = *o.approval_min_cost;
  if (!o.approval_actions.empty()) body["approval_actions"] = o.approval_actions;
  return body;
}

void add_policy_flags(CLI::App* c, PolicyOptions& o) {
  c->add_option("--name", o.name, "policy name");
  c->add_option("--allow", o.allow, "allowed action glob, e.g. 'GET /v1/*' (repeatable)");
  c->add_option("--deny-prefix", o.deny_prefix, "denied path prefix, e.g. /admin (repeatable)");
  c->add_option("--max-cost", o.max_cost, "max cost per request, USD");
  c->add_option("--require-approval", o.require_approval, "every request needs an approval")
      ->expected(0, 1)
      ->default_str("true");
  c->add_option("--approval-min-cost", o.approval_min_cost, "approval needed from this cost, USD");
  c->add_option("--approval-action", o.approval_actions,
                "action glob needing approval (repeatable)");
  c->add_option("-f,--file", o.file, "JSON body to start from");
}

int run(Deps& d, const std::string& method, const std::string& path, const PolicyOptions& o) {
  auto body = policy_body(o);
  if (!body.ok()) return report_error(d, body.error());
  return call_and_print(d, method, path, *body, kPolicyColumns);
}

}  // namespace

void add_policies_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* policies = app.add_subcommand("policies", "Manage policies");
  policies->require_subcommand(1);

  auto co = std::make_shared<PolicyOptions>();
  auto* create = policies->add_subcommand("create",
                                          "Create a policy\n  secuctl policies create --name reads "
                                          "--allow 'GET *' --deny-prefix /admin");
  add_policy_flags(create, *co);
  create->add_option("--org", co->org, "org id (platform admin)");
  add_dry_run_flag(create, d);
  calls(create, {"POST /v1/policies"});
  create->callback(
      [co, &d, &rs] { rs.run = [co, &d] { return run(d, "POST", "/v1/policies", *co); }; });

  auto lo = std::make_shared<ListOptions>();
  auto* list = policies->add_subcommand("list", "List policies");
  add_list_options(list, *lo);
  calls(list, {"GET /v1/policies"});
  list->callback([lo, &d, &rs] {
    rs.run = [lo, &d] {
      return call_and_print_list(d, "/v1/policies" + list_query(*lo), "policies", kPolicyColumns,
                                 lo->all);
    };
  });

  auto gid = std::make_shared<std::string>();
  auto* get = policies->add_subcommand("get", "Show a policy");
  get->add_option("policy_id", *gid, "policy id")->required();
  calls(get, {"GET /v1/policies/{id}"});
  get->callback([gid, &d, &rs] {
    rs.run = [gid, &d] {
      return call_and_print(d, "GET", "/v1/policies/" + url_encode(*gid), nullptr, kPolicyColumns);
    };
  });

  auto uo = std::make_shared<PolicyOptions>();
  auto* update = policies->add_subcommand("update", "Change a policy's fields");
  update->add_option("policy_id", uo->id, "policy id")->required();
  add_policy_flags(update, *uo);
  calls(update, {"PATCH /v1/policies/{id}"});
  update->callback([uo, &d, &rs] {
    rs.run = [uo, &d] { return run(d, "PATCH", "/v1/policies/" + url_encode(uo->id), *uo); };
  });
}

}  // namespace secu::cli
