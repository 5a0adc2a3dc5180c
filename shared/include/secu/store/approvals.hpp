// The approvals table: requests that waited for a human, their decision and the single use of
// the grant. Statuses: pending → approved | denied | expired | cancelled (kill-switch).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct ApprovalRow {
  std::string id;
  std::string org_id;
  std::string agent_id;
  std::string key_id;
  std::string vendor_id;
  std::string action;
  std::string method;
  std::string path;
  int64_t cost_micros = 0;
  std::string policy_id;
  std::string trigger_reason;  // require_approval | approval_min_cost | approval_action
  std::string digest;          // policy::request_digest of the request waiting
  std::string status = "pending";
  std::string request_id;  // of the request that asked
  int64_t created_at = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> decided_at;
  std::optional<std::string> decided_by;  // "admin" or a user id
  std::optional<std::string> reason;
  std::optional<int64_t> used_at;
  std::optional<std::string> used_request_id;
};

Status insert_approval(Db& db, const ApprovalRow& a);
Result<std::optional<ApprovalRow>> get_approval(Db& db, const std::string& id);
// Moves a pending approval to `status`; false when it was no longer pending.
Result<bool> decide_approval(Db& db, const std::string& id, const std::string& status,
                             int64_t decided_at, const std::optional<std::string>& decided_by,
                             const std::optional<std::string>& reason, int64_t expires_at);
// Marks an approved grant used; false when it was used already.
Result<bool> use_approval(Db& db, const std::string& id, int64_t at, const std::string& request_id);

struct ApprovalFilter {
  std::string org_id;    // "" = every org
  std::string agent_id;  // "" = every agent
  std::string status;    // "" = any; "pending"/"expired" account for lapsed deadlines at `now`
  int64_t now = 0;
};
// Newest first; up to page.limit + 1 rows.
Result<std::vector<ApprovalRow>> list_approvals(Db& db, const ApprovalFilter& f,
                                                const PageRequest& page);
// Pending approvals of an agent (for the kill-switch).
Result<std::vector<ApprovalRow>> pending_approvals_of_agent(Db& db, const std::string& agent_id);
// Pending approvals whose deadline passed, oldest deadline first, at most `limit`.
Result<std::vector<ApprovalRow>> lapsed_pending_approvals(Db& db, int64_t now, int64_t limit);

}  // namespace secu::store
