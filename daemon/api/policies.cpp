// Policies: POST /v1/policies (contract), GET /v1/policies, GET/PATCH /v1/policies/{id}.
#include <nlohmann/json.hpp>

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

constexpr json::ArrayRule kGlobs{.max_items = 200, .max_len = 256};
constexpr json::ArrayRule kPrefixes{.max_items = 200, .max_len = 1024};

// The fields a create or an update may set; absent ones stay as they are.
struct PolicyFields {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> allowed_actions, denied_path_prefixes, approval_actions;
  std::optional<int64_t> max_cost, approval_min_cost;
  std::optional<bool> require_approval;

  void read(json::Reader& r, bool name_required) {
    name = r.str("name", {.required = name_required, .min_len = 1, .max_len = 200});
    allowed_actions = r.str_array("allowed_actions", kGlobs);
    denied_path_prefixes = r.str_array("denied_path_prefixes", kPrefixes);
    max_cost = r.usd("max_cost_per_request");
    require_approval = r.boolean("require_approval");
    approval_min_cost = r.usd("approval_min_cost");
    approval_actions = r.str_array("approval_actions", kGlobs);
  }
  void apply(store::PolicyRow& p) const {
    if (name) p.name = *name;
    if (allowed_actions) p.allowed_actions = *allowed_actions;
    if (denied_path_prefixes) p.denied_path_prefixes = *denied_path_prefixes;
    if (max_cost) p.max_cost_per_request_micros = max_cost;
    if (require_approval) p.require_approval = *require_approval;
    if (approval_min_cost) p.approval_min_cost_micros = approval_min_cost;
    if (approval_actions) p.approval_actions = *approval_actions;
  }
};

void create(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  const auto org = r.str("org_id", {.max_len = 64});
  PolicyFields f;
  f.read(r, /*name_required=*/true);
  Ctx::unwrap(r.finish());
  store::PolicyRow p;
  f.apply(p);
  Ctx::unwrap(governance::validate_policy(p));  // 400 before any lookup
  p.org_id = org_for_write(c, org);
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(p, governance::create_policy(tx, p, c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, policy_json(p));
}

void list(Ctx& c) {
  const auto org_id = org_for_read(c);
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  std::vector<store::PolicyRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_policies(db, org_id, page));
    return {};
  });
  c.reply(200, list_json("policies", rows, page.limit, policy_json));
}

void get(Ctx& c) {
  std::optional<store::PolicyRow> row;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(row, store::get_policy(db, c.param(0)));
    return {};
  });
  if (!row) Ctx::fail(Error::not_found("policy"));
  require_visible(c, row->org_id, "policy");
  c.reply(200, policy_json(*row));
}

void update(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  PolicyFields f;
  f.read(r, /*name_required=*/false);
  Ctx::unwrap(r.finish());
  store::PolicyRow out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out, governance::update_policy(
                      tx, write_scope(c), c.param(0), [&](store::PolicyRow& p) { f.apply(p); },
                      c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, policy_json(out));
}

}  // namespace

void register_policy_routes(RouteTable& t) {
  t.add("POST", "/v1/policies", Access::kAdmin, "Create policy", create).dry_run = true;
  t.add("GET", "/v1/policies", Access::kViewer, "List policies (scoped by principal)", list);
  t.add("GET", "/v1/policies/{id}", Access::kViewer, "Get a policy", get);
  t.add("PATCH", "/v1/policies/{id}", Access::kAdmin, "Update a policy", update);
}

}  // namespace secu::daemon
