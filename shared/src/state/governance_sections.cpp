// The governance areas of the state snapshot: agents, policies, vendors (api keys masked) and
// keys (never a secret or hash), rendered like their API answers.
#include "sections.hpp"
#include "secu/governance_render.hpp"

namespace secu::state {

Status agents_section(store::Db& db, const Scope& scope, nlohmann::json& items) {
  return all_pages<store::AgentRow>(
      [&](const PageRequest& p) { return store::list_agents(db, scope.org_id, "", p); },
      governance::agent_json, items);
}

Status policies_section(store::Db& db, const Scope& scope, nlohmann::json& items) {
  return all_pages<store::PolicyRow>(
      [&](const PageRequest& p) { return store::list_policies(db, scope.org_id, p); },
      governance::policy_json, items);
}

Status vendors_section(store::Db& db, const Scope& scope, nlohmann::json& items) {
  return all_pages<store::VendorRow>(
      [&](const PageRequest& p) { return store::list_vendors(db, scope.org_id, p); },
      governance::vendor_json, items);
}

Status keys_section(store::Db& db, const Scope& scope, nlohmann::json& items) {
  return all_pages<store::KeyRow>(
      [&](const PageRequest& p) { return store::list_keys(db, scope.org_id, "", "", p); },
      governance::key_json, items);
}

}  // namespace secu::state
