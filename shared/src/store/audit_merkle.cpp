#include "secu/store/audit_merkle.hpp"

namespace secu::store {

Status insert_merkle_node(Db& db, int level, int64_t idx, std::string_view hash) {
  SECU_TRY(auto q, db.query("INSERT INTO audit_merkle (level, idx, hash) VALUES (?1, ?2, ?3)"));
  q.bind_all(level, idx);
  q.bind_blob(3, hash);
  return q.run();
}

Result<std::optional<std::string>> merkle_node(Db& db, int level, int64_t idx) {
  SECU_TRY(auto q, db.query("SELECT hash FROM audit_merkle WHERE level = ?1 AND idx = ?2"));
  q.bind_all(level, idx);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.blob(0));
}

Result<int64_t> merkle_leaf_count(Db& db) {
  // MAX over the primary key is one index seek; leaves are numbered without gaps from 0.
  SECU_TRY(auto q, db.query("SELECT MAX(idx) FROM audit_merkle WHERE level = 0"));
  SECU_TRY(bool row, q.step());
  if (!row || q.is_null(0)) return int64_t{0};
  return q.int64(0) + 1;
}

Result<MerkleLeafCursor> MerkleLeafCursor::open(Db& db, int64_t from) {
  SECU_TRY(auto q, db.query("SELECT idx, hash FROM audit_merkle WHERE level = 0 AND idx >= ?1 "
                            "ORDER BY idx"));
  q.bind(1, from);
  return MerkleLeafCursor(std::move(q));
}

Result<bool> MerkleLeafCursor::next(int64_t& idx, std::string& hash) {
  SECU_TRY(bool row, m_stmt.step());
  if (!row) return false;
  idx = m_stmt.int64(0);
  hash = m_stmt.blob(1);
  return true;
}

}  // namespace secu::store
