// The agents table and its policy attachments (agent_policies).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct AgentRow {
  std::string id;
  std::string org_id;
  std::string name;
  std::string status = "active";  // active | disabled
  std::optional<int64_t> daily_budget_micros;
  std::vector<std::string> policy_ids;  // attachment order
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> disabled_at;
  // Marketplace listing (migration 61).
  bool listed = false;
  std::optional<int64_t> price_micros;
  std::optional<std::string> pricing_model;  // per_call | per_day | fixed
};

// Inserts the agent and its policy attachments.
Status insert_agent(Db& db, const AgentRow& a);
// Updates name, status, budget, disabled_at, updated_at and replaces the attachments.
Status update_agent(Db& db, const AgentRow& a);
Result<std::optional<AgentRow>> get_agent(Db& db, const std::string& id);
// Newest first; empty filters are skipped. Up to page.limit + 1 rows.
Result<std::vector<AgentRow>> list_agents(Db& db, const std::string& org_id,
                                          const std::string& status, const PageRequest& page);
// Listed, active agents of every org (the marketplace), newest first; up to limit + 1 rows.
Result<std::vector<AgentRow>> list_listed_agents(Db& db, const PageRequest& page);

}  // namespace secu::store
