// The billing_events table (one row per gateway decision), the hourly rollups kept beside it
// and the per-agent, per-UTC-day budget rows. The three are written together, in the write job
// of the decision or of its settlement, so a summary read from the rollups always equals the
// sum of the events and a budget row always equals what its events reserved and spent.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct BillingEventRow {
  std::string id;  // evt_…
  std::string org_id;
  std::string agent_id;
  std::string key_id;
  std::string vendor_id;
  std::string request_id;
  std::string action;
  std::string method;
  std::string path;
  bool allow = false;
  int status_code = 0;
  int64_t authorized_cost_micros = 0;
  int64_t cost_micros = 0;
  int64_t fee_micros = 0;
  std::optional<std::string> policy_id;
  std::optional<std::string> deny_reason;
  std::optional<std::string> approval_id;
  std::string metering_source;  // pending | declared | vendor_header | none
  std::optional<std::string> error_code;
  bool settled = true;
  int64_t day = 0;   // UTC day start of created_at
  int64_t hour = 0;  // UTC hour start of created_at
  int64_t created_at = 0;
};

// Inserts the event and adds it to its hourly rollup.
Status insert_billing_event(Db& db, const BillingEventRow& e);
Result<std::optional<BillingEventRow>> get_billing_event(Db& db, const std::string& id);
// Writes the settled fields (status_code, cost, fee, metering_source, error_code, settled = 1)
// of an unsettled event and moves its rollup by the difference. False when it was settled.
Result<bool> settle_billing_event(Db& db, const BillingEventRow& before,
                                  const BillingEventRow& after);
// Newest first; empty filters skipped; up to page.limit + 1 rows.
Result<std::vector<BillingEventRow>> list_billing_events(Db& db, const std::string& org_id,
                                                         const std::string& agent_id,
                                                         const PageRequest& page);
// Events still waiting for their settlement (in flight, or orphaned by a crash).
Result<std::vector<BillingEventRow>> unsettled_billing_events(Db& db, int64_t limit);

// ---- totals ----

struct BillingTotals {
  int64_t total_events = 0;
  int64_t allowed_events = 0;
  int64_t cost_micros = 0;
  int64_t fee_micros = 0;
};
// Totals of the events created in [from, to), by org ("" = every org) and agent ("" = every
// agent): whole UTC hours from the rollups, partial hours at the edges from the events.
Result<BillingTotals> billing_totals(Db& db, const std::string& org_id, const std::string& agent_id,
                                     int64_t from, int64_t to);

// ---- budgets ----

struct BudgetDay {
  int64_t spent_micros = 0;
  int64_t reserved_micros = 0;
};
Result<BudgetDay> budget_day(Db& db, const std::string& agent_id, int64_t day);
// Adds the deltas to the agent's row of `day` (created when absent).
Status add_to_budget_day(Db& db, const std::string& agent_id, int64_t day, int64_t spent_delta,
                         int64_t reserved_delta);

}  // namespace secu::store
