// The policies table. Costs in micro-USD; list fields as string vectors.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct PolicyRow {
  std::string id;
  std::string org_id;
  std::string name;
  std::vector<std::string> allowed_actions;
  std::vector<std::string> denied_path_prefixes;
  std::optional<int64_t> max_cost_per_request_micros;
  bool require_approval = false;
  std::optional<int64_t> approval_min_cost_micros;
  std::vector<std::string> approval_actions;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

Status insert_policy(Db& db, const PolicyRow& p);
Status update_policy(Db& db, const PolicyRow& p);
Result<std::optional<PolicyRow>> get_policy(Db& db, const std::string& id);
// Newest first; org_id "" = every org. Returns up to page.limit + 1 rows.
Result<std::vector<PolicyRow>> list_policies(Db& db, const std::string& org_id,
                                             const PageRequest& page);
// The policies of an agent in attachment order.
Result<std::vector<PolicyRow>> policies_of_agent(Db& db, const std::string& agent_id);
// Of `ids`, those that are not policies of `org_id` (unknown, or another org's).
Result<std::vector<std::string>> missing_policies(Db& db, const std::string& org_id,
                                                  const std::vector<std::string>& ids);

}  // namespace secu::store
