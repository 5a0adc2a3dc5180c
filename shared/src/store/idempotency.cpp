#include "secu/store/idempotency.hpp"

namespace secu::store {

Result<std::optional<IdempotencyRow>> get_idempotency(Db& db, const std::string& scope,
                                                      const std::string& key) {
  SECU_TRY(auto q, db.query("SELECT scope, key, body_hash, status, response, created_at "
                            "FROM idempotency WHERE scope = ?1 AND key = ?2"));
  q.bind_all(scope, key);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<IdempotencyRow>();
  IdempotencyRow r;
  r.scope = q.text(0);
  r.key = q.text(1);
  r.body_hash = q.text(2);
  r.status = static_cast<int>(q.int64(3));
  r.response = q.text(4);
  r.created_at = q.int64(5);
  return std::optional<IdempotencyRow>(std::move(r));
}

Status insert_idempotency(Db& db, const IdempotencyRow& r) {
  SECU_TRY(auto q, db.query("INSERT INTO idempotency (scope, key, body_hash, status, response, "
                            "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  q.bind_all(r.scope, r.key, r.body_hash, static_cast<int64_t>(r.status), r.response, r.created_at);
  return q.run();
}

Status delete_idempotency_before(Db& db, int64_t before_ms) {
  SECU_TRY(auto q, db.query("DELETE FROM idempotency WHERE created_at < ?1"));
  q.bind(1, before_ms);
  return q.run();
}

}  // namespace secu::store
