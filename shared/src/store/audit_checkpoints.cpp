#include "secu/store/audit_checkpoints.hpp"

namespace secu::store {

namespace {
constexpr const char* kOriginKey = "audit_origin";

void fill(const Stmt& q, CheckpointRow& r) {
  r.size = q.int64(0);
  r.ts = q.int64(1);
  r.root = q.blob(2);
  r.note = q.text(3);
}
}  // namespace

Status insert_checkpoint(Db& db, const CheckpointRow& r) {
  SECU_TRY(
      auto q,
      db.query("INSERT INTO audit_checkpoints (size, ts, root, note) VALUES (?1, ?2, ?3, ?4)"));
  q.bind_all(r.size, r.ts);
  q.bind_blob(3, r.root);
  q.bind(4, r.note);
  return q.run();
}

Result<std::optional<CheckpointRow>> latest_checkpoint_row(Db& db) {
  SECU_TRY(auto q, db.query("SELECT size, ts, root, note FROM audit_checkpoints "
                            "ORDER BY size DESC LIMIT 1"));
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<CheckpointRow>();
  CheckpointRow r;
  fill(q, r);
  return std::optional<CheckpointRow>(std::move(r));
}

Result<std::optional<CheckpointRow>> checkpoint_row_at(Db& db, int64_t size) {
  SECU_TRY(auto q, db.query("SELECT size, ts, root, note FROM audit_checkpoints WHERE size = ?1"));
  q.bind(1, size);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<CheckpointRow>();
  CheckpointRow r;
  fill(q, r);
  return std::optional<CheckpointRow>(std::move(r));
}

Result<CheckpointCursor> CheckpointCursor::open(Db& db) {
  SECU_TRY(auto q, db.query("SELECT size, ts, root, note FROM audit_checkpoints ORDER BY size"));
  return CheckpointCursor(std::move(q));
}

Result<bool> CheckpointCursor::next(CheckpointRow& row) {
  SECU_TRY(bool has, m_stmt.step());
  if (!has) return false;
  fill(m_stmt, row);
  return true;
}

Result<std::optional<std::string>> load_audit_origin(Db& db) {
  SECU_TRY(auto q, db.query("SELECT value FROM meta WHERE key = ?1"));
  q.bind(1, kOriginKey);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.text(0));
}

Status save_audit_origin(Db& db, const std::string& origin) {
  SECU_TRY(auto q, db.query("INSERT INTO meta (key, value) VALUES (?1, ?2) "
                            "ON CONFLICT (key) DO NOTHING"));
  q.bind_all(std::string(kOriginKey), origin);
  return q.run();
}

}  // namespace secu::store
