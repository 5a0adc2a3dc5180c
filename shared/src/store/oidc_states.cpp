#include "secu/store/oidc_states.hpp"

namespace secu::store {

Status insert_oidc_state(Db& db, const OidcStateRow& r) {
  SECU_TRY(auto q, db.query("INSERT INTO oidc_states (state_hash, nonce_hash, verifier_sealed, "
                            "redirect_uri, redirect_url, created_at, expires_at, used_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  q.bind_all(r.state_hash, r.nonce_hash, r.verifier_sealed, r.redirect_uri, r.redirect_url,
             r.created_at, r.expires_at, r.used_at);
  return q.run();
}

Result<std::optional<OidcStateRow>> consume_oidc_state(Db& db, const std::string& state_hash,
                                                       int64_t now_ms) {
  // UPDATE … RETURNING: the check and the use are one statement (as consume_email_token).
  SECU_TRY(auto q, db.query("UPDATE oidc_states SET used_at = ?2 "
                            "WHERE state_hash = ?1 AND used_at IS NULL AND expires_at > ?2 "
                            "RETURNING state_hash, nonce_hash, verifier_sealed, redirect_uri, "
                            "redirect_url, created_at, expires_at, used_at"));
  q.bind_all(state_hash, now_ms);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<OidcStateRow>();
  OidcStateRow r;
  r.state_hash = q.text(0);
  r.nonce_hash = q.text(1);
  r.verifier_sealed = q.text(2);
  r.redirect_uri = q.text(3);
  r.redirect_url = q.opt_text(4);
  r.created_at = q.int64(5);
  r.expires_at = q.int64(6);
  r.used_at = q.opt_int64(7);
  // Step to the end so the statement is complete before the next one runs.
  SECU_TRY(bool more, q.step());
  (void)more;
  return std::optional<OidcStateRow>(std::move(r));
}

Status delete_oidc_states_expired_before(Db& db, int64_t before_ms) {
  SECU_TRY(auto q, db.query("DELETE FROM oidc_states WHERE expires_at < ?1"));
  q.bind(1, before_ms);
  return q.run();
}

}  // namespace secu::store
