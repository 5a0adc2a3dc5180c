#include "secu/store/audit_log.hpp"

namespace secu::store {

Status insert_audit_row(Db& db, const AuditRow& r) {
  SECU_TRY(auto q, db.query("INSERT INTO audit_log (seq, ts, org_id, actor_type, actor_id, action, "
                            "target, details, request_id, prev_hash, hash) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  q.bind_all(r.seq, r.ts, r.org_id, r.actor_type, r.actor_id, r.action, r.target, r.details,
             r.request_id, r.prev_hash, r.hash);
  return q.run();
}

Result<AuditHead> audit_head(Db& db) {
  SECU_TRY(auto q, db.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
  SECU_TRY(bool row, q.step());
  AuditHead h;
  if (row) {
    h.seq = q.int64(0);
    h.hash = q.text(1);
  }
  return h;
}

Result<int64_t> count_audit_rows(Db& db) {
  SECU_TRY(auto q, db.query("SELECT COUNT(*) FROM audit_log"));
  SECU_TRY(bool row, q.step());
  return row ? q.int64(0) : 0;
}

Result<std::optional<std::string>> audit_row_org(Db& db, int64_t seq) {
  SECU_TRY(auto q, db.query("SELECT org_id FROM audit_log WHERE seq = ?1"));
  q.bind(1, seq);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.text(0));
}

Result<AuditCursor> AuditCursor::open(Db& db, const AuditScan& s) {
  // Two statements rather than "(?3 IS NULL OR org_id = ?3)": SQLite picks the (org_id, seq)
  // index only when the org is a plain equality.
  static constexpr const char* kCols =
      "SELECT seq, ts, org_id, actor_type, actor_id, action, target, details, request_id, "
      "prev_hash, hash FROM audit_log ";
  static const std::string kAll = std::string(kCols) +
                                  "WHERE seq > ?1 AND seq <= ?2 AND ts >= ?3 AND ts < ?4 "
                                  "ORDER BY seq LIMIT ?5";
  static const std::string kOrg = std::string(kCols) +
                                  "WHERE org_id = ?6 AND seq > ?1 AND seq <= ?2 AND ts >= ?3 "
                                  "AND ts < ?4 ORDER BY seq LIMIT ?5";
  SECU_TRY(auto q, db.query(s.org_id ? kOrg : kAll));
  q.bind_all(s.after_seq, s.last_seq, s.from_ts, s.to_ts, s.limit);
  if (s.org_id) q.bind(6, *s.org_id);
  return AuditCursor(std::move(q));
}

Result<bool> AuditCursor::next(AuditRow& r) {
  SECU_TRY(bool row, m_stmt.step());
  if (!row) return false;
  r.seq = m_stmt.int64(0);
  r.ts = m_stmt.int64(1);
  r.org_id = m_stmt.text(2);
  r.actor_type = m_stmt.text(3);
  r.actor_id = m_stmt.text(4);
  r.action = m_stmt.text(5);
  r.target = m_stmt.text(6);
  r.details = m_stmt.text(7);
  r.request_id = m_stmt.text(8);
  r.prev_hash = m_stmt.text(9);
  r.hash = m_stmt.text(10);
  return true;
}

}  // namespace secu::store
