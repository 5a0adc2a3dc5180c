#include "secu/store/email_tokens.hpp"

namespace secu::store {

Status insert_email_token(Db& db, const EmailTokenRow& t) {
  SECU_TRY(auto q,
           db.query("INSERT INTO email_tokens (token_hash, kind, user_id, redirect_url, "
                    "created_at, expires_at, used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  q.bind_all(t.token_hash, t.kind, t.user_id, t.redirect_url, t.created_at, t.expires_at,
             t.used_at);
  return q.run();
}

Result<std::optional<EmailTokenRow>> consume_email_token(Db& db, const std::string& token_hash,
                                                         const std::string& kind, int64_t now_ms) {
  // UPDATE … RETURNING (SQLite ≥ 3.35, PostgreSQL): the check and the use are one statement.
  SECU_TRY(auto q, db.query("UPDATE email_tokens SET used_at = ?3 "
                            "WHERE token_hash = ?1 AND kind = ?2 AND used_at IS NULL "
                            "AND expires_at > ?3 "
                            "RETURNING token_hash, kind, user_id, redirect_url, created_at, "
                            "expires_at, used_at"));
  q.bind_all(token_hash, kind, now_ms);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<EmailTokenRow>();
  EmailTokenRow t;
  t.token_hash = q.text(0);
  t.kind = q.text(1);
  t.user_id = q.text(2);
  t.redirect_url = q.opt_text(3);
  t.created_at = q.int64(4);
  t.expires_at = q.int64(5);
  t.used_at = q.opt_int64(6);
  // Step to the end so the statement is complete before the next one runs.
  SECU_TRY(bool more, q.step());
  (void)more;
  return std::optional<EmailTokenRow>(std::move(t));
}

Status delete_email_tokens_expired_before(Db& db, int64_t before_ms) {
  SECU_TRY(auto q, db.query("DELETE FROM email_tokens WHERE expires_at < ?1"));
  q.bind(1, before_ms);
  return q.run();
}

}  // namespace secu::store
