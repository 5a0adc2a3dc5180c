#include "secu/store/sessions.hpp"

namespace secu::store {

Status insert_session(Db& db, const SessionRow& s) {
  SECU_TRY(auto q, db.query("INSERT INTO sessions (id, user_id, org_id, created_at, expires_at, "
                            "revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  q.bind_all(s.id, s.user_id, s.org_id, s.created_at, s.expires_at, s.revoked_at);
  return q.run();
}

Result<std::optional<SessionRow>> get_session(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query("SELECT id, user_id, org_id, created_at, expires_at, revoked_at "
                            "FROM sessions WHERE id = ?1"));
  q.bind(1, id);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<SessionRow>();
  SessionRow s;
  s.id = q.text(0);
  s.user_id = q.text(1);
  s.org_id = q.text(2);
  s.created_at = q.int64(3);
  s.expires_at = q.int64(4);
  s.revoked_at = q.opt_int64(5);
  return std::optional<SessionRow>(std::move(s));
}

Result<bool> revoke_session(Db& db, const std::string& id, int64_t at_ms) {
  SECU_TRY(auto q,
           db.query("UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL"));
  q.bind_all(id, at_ms);
  SECU_TRY_VOID(q.run());
  return db.changes() > 0;
}

Status delete_sessions_expired_before(Db& db, int64_t before_ms) {
  SECU_TRY(auto q, db.query("DELETE FROM sessions WHERE expires_at < ?1"));
  q.bind(1, before_ms);
  return q.run();
}

}  // namespace secu::store
