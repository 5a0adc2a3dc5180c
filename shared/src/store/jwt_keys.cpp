#include "secu/store/jwt_keys.hpp"

namespace secu::store {

Status insert_jwt_key(Db& db, const JwtKeyRow& k) {
  SECU_TRY(auto q, db.query("INSERT INTO jwt_signing_keys (kid, seed_sealed, public_key, "
                            "created_at, retired_at, verify_until) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  q.bind(1, k.kid);
  if (k.seed_sealed) {
    q.bind_blob(2, *k.seed_sealed);
  } else {
    q.bind_null(2);
  }
  q.bind(3, k.public_key).bind(4, k.created_at).bind(5, k.retired_at).bind(6, k.verify_until);
  return q.run();
}

Status retire_jwt_key(Db& db, const std::string& kid, int64_t at, int64_t verify_until) {
  SECU_TRY(auto q, db.query("UPDATE jwt_signing_keys SET retired_at = ?2, verify_until = ?3 "
                            "WHERE kid = ?1 AND retired_at IS NULL"));
  q.bind_all(kid, at, verify_until);
  return q.run();
}

Result<std::vector<JwtKeyRow>> list_jwt_keys(Db& db) {
  SECU_TRY(auto q, db.query("SELECT kid, seed_sealed, public_key, created_at, retired_at, "
                            "verify_until FROM jwt_signing_keys ORDER BY created_at, kid"));
  std::vector<JwtKeyRow> out;
  while (true) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    JwtKeyRow k;
    k.kid = q.text(0);
    if (!q.is_null(1)) k.seed_sealed = q.blob(1);
    k.public_key = q.text(2);
    k.created_at = q.int64(3);
    k.retired_at = q.opt_int64(4);
    k.verify_until = q.opt_int64(5);
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace secu::store
