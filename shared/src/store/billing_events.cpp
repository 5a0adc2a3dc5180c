#include "secu/store/billing_events.hpp"

#include "secu/store/list_query.hpp"

namespace secu::store {

namespace {

constexpr int64_t kHourMs = 3'600'000;

constexpr const char* kColumns =
    "SELECT id, org_id, agent_id, key_id, vendor_id, request_id, action, method, path, allow, "
    "status_code, authorized_cost_micros, cost_micros, fee_micros, policy_id, deny_reason, "
    "approval_id, metering_source, error_code, settled, day, hour, created_at FROM "
    "billing_events";

BillingEventRow read_row(const Stmt& q) {
  BillingEventRow e;
  e.id = q.text(0);
  e.org_id = q.text(1);
  e.agent_id = q.text(2);
  e.key_id = q.text(3);
  e.vendor_id = q.text(4);
  e.request_id = q.text(5);
  e.action = q.text(6);
  e.method = q.text(7);
  e.path = q.text(8);
  e.allow = q.int64(9) != 0;
  e.status_code = static_cast<int>(q.int64(10));
  e.authorized_cost_micros = q.int64(11);
  e.cost_micros = q.int64(12);
  e.fee_micros = q.int64(13);
  e.policy_id = q.opt_text(14);
  e.deny_reason = q.opt_text(15);
  e.approval_id = q.opt_text(16);
  e.metering_source = q.text(17);
  e.error_code = q.opt_text(18);
  e.settled = q.int64(19) != 0;
  e.day = q.int64(20);
  e.hour = q.int64(21);
  e.created_at = q.int64(22);
  return e;
}

Status add_to_one_rollup(Db& db, const std::string& org_id, int64_t hour,
                         const std::string& agent_id, int64_t events, int64_t allowed, int64_t cost,
                         int64_t fee) {
  SECU_TRY(auto q,
           db.query("INSERT INTO billing_rollups (org_id, hour, agent_id, total_events, "
                    "allowed_events, cost_micros, fee_micros) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                    "?7) ON CONFLICT (org_id, hour, agent_id) DO UPDATE SET "
                    "total_events = billing_rollups.total_events + excluded.total_events, "
                    "allowed_events = billing_rollups.allowed_events + excluded.allowed_events, "
                    "cost_micros = billing_rollups.cost_micros + excluded.cost_micros, "
                    "fee_micros = billing_rollups.fee_micros + excluded.fee_micros"));
  q.bind_all(org_id, hour, agent_id, events, allowed, cost, fee);
  return q.run();
}

// An event counts in three rollup rows of its hour: its agent's, its org's (agent_id '') and
// every org's (org_id and agent_id ''), so a summary of an org or of every org reads a row per
// hour, not a row per agent and hour.
Status add_to_rollup(Db& db, const std::string& org_id, int64_t hour, const std::string& agent_id,
                     int64_t events, int64_t allowed, int64_t cost, int64_t fee) {
  SECU_TRY_VOID(add_to_one_rollup(db, org_id, hour, agent_id, events, allowed, cost, fee));
  SECU_TRY_VOID(add_to_one_rollup(db, org_id, hour, "", events, allowed, cost, fee));
  return add_to_one_rollup(db, "", hour, "", events, allowed, cost, fee);
}

// Sums one statement's single row of (count, allowed, cost, fee) into `t`.
Status add_sums(Stmt& q, BillingTotals& t) {
  SECU_TRY(bool row, q.step());
  if (!row) return {};
  t.total_events += q.int64(0);
  t.allowed_events += q.int64(1);
  t.cost_micros += q.int64(2);
  t.fee_micros += q.int64(3);
  return {};
}

// The filter of a totals query: by agent (its own index), by org, or every org.
const char* scope_condition(const std::string& org_id, const std::string& agent_id) {
  if (!agent_id.empty()) return "agent_id = ?1 AND org_id = ?4";
  if (!org_id.empty()) return "org_id = ?1 AND ?4 = ?4";
  return "?1 = ?1 AND ?4 = ?4";
}

Status raw_totals(Db& db, const std::string& org_id, const std::string& agent_id, int64_t from,
                  int64_t to, BillingTotals& t) {
  if (from >= to) return {};
  SECU_TRY(auto q, db.query(std::string("SELECT COUNT(*), COALESCE(SUM(allow), 0), "
                                        "COALESCE(SUM(cost_micros), 0), "
                                        "COALESCE(SUM(fee_micros), 0) FROM billing_events WHERE ") +
                            scope_condition(org_id, agent_id) +
                            " AND created_at >= ?2 AND created_at < ?3"));
  q.bind_all(agent_id.empty() ? org_id : agent_id, from, to, org_id);
  return add_sums(q, t);
}

// The rollup rows of a scope: an agent's, an org's (agent_id ''), every org's (both '').
std::string rollup_scope(const std::string& org_id, const std::string& agent_id) {
  if (!agent_id.empty()) return "org_id = ?4 AND agent_id = ?1";
  if (!org_id.empty()) return "org_id = ?1 AND agent_id = '' AND ?4 = ?4";
  return "org_id = '' AND agent_id = '' AND ?1 = ?1 AND ?4 = ?4";
}

Status rollup_totals(Db& db, const std::string& org_id, const std::string& agent_id, int64_t from,
                     int64_t to, BillingTotals& t) {
  if (from >= to) return {};
  SECU_TRY(auto q,
           db.query(std::string("SELECT COALESCE(SUM(total_events), 0), "
                                "COALESCE(SUM(allowed_events), 0), "
                                "COALESCE(SUM(cost_micros), 0), "
                                "COALESCE(SUM(fee_micros), 0) FROM billing_rollups WHERE ") +
                    rollup_scope(org_id, agent_id) + " AND hour >= ?2 AND hour < ?3"));
  q.bind_all(agent_id.empty() ? org_id : agent_id, from, to, org_id);
  return add_sums(q, t);
}

int64_t floor_hour(int64_t ms) {
  int64_t h = ms / kHourMs * kHourMs;
  if (h > ms) h -= kHourMs;  // negative times
  return h;
}

}  // namespace

Status insert_billing_event(Db& db, const BillingEventRow& e) {
  SECU_TRY(auto q,
           db.query("INSERT INTO billing_events (id, org_id, agent_id, key_id, vendor_id, "
                    "request_id, action, method, path, allow, status_code, "
                    "authorized_cost_micros, cost_micros, fee_micros, policy_id, deny_reason, "
                    "approval_id, metering_source, error_code, settled, day, hour, created_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                    "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)"));
  q.bind_all(e.id, e.org_id, e.agent_id, e.key_id, e.vendor_id, e.request_id, e.action, e.method,
             e.path, e.allow, e.status_code, e.authorized_cost_micros, e.cost_micros, e.fee_micros,
             e.policy_id, e.deny_reason, e.approval_id, e.metering_source, e.error_code, e.settled,
             e.day, e.hour, e.created_at);
  SECU_TRY_VOID(q.run());
  return add_to_rollup(db, e.org_id, e.hour, e.agent_id, 1, e.allow ? 1 : 0, e.cost_micros,
                       e.fee_micros);
}

Result<std::optional<BillingEventRow>> get_billing_event(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE id = ?1"));
  q.bind(1, id);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<BillingEventRow>();
  return std::optional<BillingEventRow>(read_row(q));
}

Result<bool> settle_billing_event(Db& db, const BillingEventRow& before,
                                  const BillingEventRow& after) {
  SECU_TRY(auto q, db.query("UPDATE billing_events SET status_code = ?2, cost_micros = ?3, "
                            "fee_micros = ?4, metering_source = ?5, error_code = ?6, settled = 1 "
                            "WHERE id = ?1 AND settled = 0"));
  q.bind_all(before.id, after.status_code, after.cost_micros, after.fee_micros,
             after.metering_source, after.error_code);
  SECU_TRY_VOID(q.run());
  if (db.changes() != 1) return false;
  SECU_TRY_VOID(add_to_rollup(db, before.org_id, before.hour, before.agent_id, 0, 0,
                              after.cost_micros - before.cost_micros,
                              after.fee_micros - before.fee_micros));
  return true;
}

Result<std::vector<BillingEventRow>> list_billing_events(Db& db, const std::string& org_id,
                                                         const std::string& agent_id,
                                                         const PageRequest& page) {
  std::vector<BillingEventRow> out;
  SECU_TRY_VOID(list_page(db, kColumns, {{"org_id", org_id}, {"agent_id", agent_id}}, page,
                          [&](Stmt& q) -> Status {
                            out.push_back(read_row(q));
                            return {};
                          }));
  return out;
}

Result<std::vector<BillingEventRow>> unsettled_billing_events(Db& db, int64_t limit) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE settled = 0 LIMIT ?1"));
  q.bind(1, limit);
  std::vector<BillingEventRow> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) return out;
    out.push_back(read_row(q));
  }
}

Result<BillingTotals> billing_totals(Db& db, const std::string& org_id, const std::string& agent_id,
                                     int64_t from, int64_t to) {
  BillingTotals t;
  if (from >= to) return t;
  const int64_t first_whole = floor_hour(from) == from ? from : floor_hour(from) + kHourMs;
  const int64_t last_whole = floor_hour(to);
  if (first_whole >= last_whole) {
    SECU_TRY_VOID(raw_totals(db, org_id, agent_id, from, to, t));
    return t;
  }
  SECU_TRY_VOID(raw_totals(db, org_id, agent_id, from, first_whole, t));
  SECU_TRY_VOID(rollup_totals(db, org_id, agent_id, first_whole, last_whole, t));
  SECU_TRY_VOID(raw_totals(db, org_id, agent_id, last_whole, to, t));
  return t;
}

Result<BudgetDay> budget_day(Db& db, const std::string& agent_id, int64_t day) {
  SECU_TRY(auto q, db.query("SELECT spent_micros, reserved_micros FROM budget_days WHERE "
                            "agent_id = ?1 AND day = ?2"));
  q.bind_all(agent_id, day);
  SECU_TRY(bool row, q.step());
  BudgetDay b;
  if (row) {
    b.spent_micros = q.int64(0);
    b.reserved_micros = q.int64(1);
  }
  return b;
}

Status add_to_budget_day(Db& db, const std::string& agent_id, int64_t day, int64_t spent_delta,
                         int64_t reserved_delta) {
  SECU_TRY(auto q, db.query("INSERT INTO budget_days (agent_id, day, spent_micros, "
                            "reserved_micros) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (agent_id, day) "
                            "DO UPDATE SET spent_micros = budget_days.spent_micros + "
                            "excluded.spent_micros, reserved_micros = budget_days.reserved_micros "
                            "+ excluded.reserved_micros"));
  q.bind_all(agent_id, day, spent_delta, reserved_delta);
  return q.run();
}

}  // namespace secu::store
