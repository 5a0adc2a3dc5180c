#include "secu/store/approvals.hpp"

#include "secu/store/list_query.hpp"

namespace secu::store {

namespace {

constexpr const char* kColumns =
    "SELECT id, org_id, agent_id, key_id, vendor_id, action, method, path, cost_micros, "
    "policy_id, trigger_reason, digest, status, request_id, created_at, expires_at, decided_at, "
    "decided_by, reason, used_at, used_request_id FROM approvals";

ApprovalRow read_row(const Stmt& q) {
  ApprovalRow a;
  a.id = q.text(0);
  a.org_id = q.text(1);
  a.agent_id = q.text(2);
  a.key_id = q.text(3);
  a.vendor_id = q.text(4);
  a.action = q.text(5);
  a.method = q.text(6);
  a.path = q.text(7);
  a.cost_micros = q.int64(8);
  a.policy_id = q.text(9);
  a.trigger_reason = q.text(10);
  a.digest = q.text(11);
  a.status = q.text(12);
  a.request_id = q.text(13);
  a.created_at = q.int64(14);
  a.expires_at = q.int64(15);
  a.decided_at = q.opt_int64(16);
  a.decided_by = q.opt_text(17);
  a.reason = q.opt_text(18);
  a.used_at = q.opt_int64(19);
  a.used_request_id = q.opt_text(20);
  return a;
}

Result<std::vector<ApprovalRow>> collect(Stmt& q) {
  std::vector<ApprovalRow> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) return out;
    out.push_back(read_row(q));
  }
}

}  // namespace

Status insert_approval(Db& db, const ApprovalRow& a) {
  SECU_TRY(auto q, db.query("INSERT INTO approvals (id, org_id, agent_id, key_id, vendor_id, "
                            "action, method, path, cost_micros, policy_id, trigger_reason, "
                            "digest, status, request_id, created_at, expires_at) VALUES (?1, ?2, "
                            "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"));
  q.bind_all(a.id, a.org_id, a.agent_id, a.key_id, a.vendor_id, a.action, a.method, a.path,
             a.cost_micros, a.policy_id, a.trigger_reason, a.digest, a.status, a.request_id,
             a.created_at, a.expires_at);
  return q.run();
}

Result<std::optional<ApprovalRow>> get_approval(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE id = ?1"));
  q.bind(1, id);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<ApprovalRow>();
  return std::optional<ApprovalRow>(read_row(q));
}

Result<bool> decide_approval(Db& db, const std::string& id, const std::string& status,
                             int64_t decided_at, const std::optional<std::string>& decided_by,
                             const std::optional<std::string>& reason, int64_t expires_at) {
  SECU_TRY(auto q, db.query("UPDATE approvals SET status = ?2, decided_at = ?3, decided_by = ?4, "
                            "reason = ?5, expires_at = ?6 WHERE id = ?1 AND status = 'pending'"));
  q.bind_all(id, status, decided_at, decided_by, reason, expires_at);
  SECU_TRY_VOID(q.run());
  return db.changes() == 1;
}

Result<bool> use_approval(Db& db, const std::string& id, int64_t at,
                          const std::string& request_id) {
  SECU_TRY(auto q, db.query("UPDATE approvals SET used_at = ?2, used_request_id = ?3 WHERE id = "
                            "?1 AND status = 'approved' AND used_at IS NULL"));
  q.bind_all(id, at, request_id);
  SECU_TRY_VOID(q.run());
  return db.changes() == 1;
}

Result<std::vector<ApprovalRow>> list_approvals(Db& db, const ApprovalFilter& f,
                                                const PageRequest& page) {
  // One SQL text per filter combination (cached statements, stable plans); values are bound.
  std::string sql = std::string(kColumns) + " WHERE 1 = 1";
  sql += f.org_id.empty() ? " AND ?1 = ''" : " AND org_id = ?1";
  sql += f.agent_id.empty() ? " AND ?2 = ''" : " AND agent_id = ?2";
  if (f.status == "pending") {
    sql += " AND status = 'pending' AND expires_at > ?3 AND ?4 = ''";
  } else if (f.status == "expired") {
    sql += " AND (status = 'expired' OR (status = 'pending' AND expires_at <= ?3)) AND ?4 = ''";
  } else if (!f.status.empty()) {
    sql += " AND ?3 = ?3 AND status = ?4";
  } else {
    sql += " AND ?3 = ?3 AND ?4 = ''";
  }
  sql += keyset_before(page, 5) + " ORDER BY created_at DESC, id DESC LIMIT ?7";
  SECU_TRY(auto q, db.query(sql));
  const bool named_status = !f.status.empty() && f.status != "pending" && f.status != "expired";
  q.bind_all(f.org_id, f.agent_id, f.now, named_status ? f.status : std::string());
  q.bind(5, page.before_created_at);
  q.bind(6, page.before_id.value_or(""));
  q.bind(7, page.limit + 1);
  return collect(q);
}

Result<std::vector<ApprovalRow>> pending_approvals_of_agent(Db& db, const std::string& agent_id) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE agent_id = ?1 AND status = 'pending'"));
  q.bind(1, agent_id);
  return collect(q);
}

Result<std::vector<ApprovalRow>> lapsed_pending_approvals(Db& db, int64_t now, int64_t limit) {
  SECU_TRY(auto q,
           db.query(std::string(kColumns) + " WHERE status = 'pending' AND expires_at <= ?1 "
                                            "ORDER BY expires_at LIMIT ?2"));
  q.bind_all(now, limit);
  return collect(q);
}

}  // namespace secu::store
