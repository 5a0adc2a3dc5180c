// The identity areas of the state snapshot: orgs and users, rendered like their API answers
// (no password hashes).
#include "sections.hpp"
#include "secu/identity/render.hpp"
#include "secu/store/orgs.hpp"
#include "secu/store/users.hpp"

namespace secu::state {

Status orgs_section(store::Db& db, const Scope& scope, nlohmann::json& items) {
  if (!scope.org_id.empty()) {
    SECU_TRY(auto org, store::get_org(db, scope.org_id));
    if (org) items.push_back(identity::org_json(*org));
    return {};
  }
  return all_pages<store::OrgRow>([&](const PageRequest& p) { return store::list_orgs(db, p); },
                                  identity::org_json, items);
}

Status users_section(store::Db& db, const Scope& scope, nlohmann::json& items) {
  return all_pages<store::UserRow>(
      [&](const PageRequest& p) { return store::list_users(db, scope.org_id, p); },
      identity::user_json, items);
}

}  // namespace secu::state
