#include "secu/store/users.hpp"

#include "secu/store/list_query.hpp"

namespace secu::store {

namespace {
constexpr const char* kColumns =
    "id, org_id, email, password_hash, role, email_verified, email_verified_at, created_at, "
    "last_login_at";

UserRow read_user(const Stmt& q) {
  UserRow u;
  u.id = q.text(0);
  u.org_id = q.text(1);
  u.email = q.text(2);
  u.password_hash = q.opt_text(3);
  u.role = q.text(4);
  u.email_verified = q.int64(5) != 0;
  u.email_verified_at = q.opt_int64(6);
  u.created_at = q.int64(7);
  u.last_login_at = q.opt_int64(8);
  return u;
}

Result<std::optional<UserRow>> one_user(Stmt& q) {
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<UserRow>();
  return std::optional<UserRow>(read_user(q));
}
}  // namespace

Status insert_user(Db& db, const UserRow& u) {
  {
    // Checked first for a precise error; the UNIQUE constraint still backs it.
    SECU_TRY(auto q, db.query("SELECT 1 FROM users WHERE email = ?1"));
    q.bind(1, u.email);
    SECU_TRY(bool taken, q.step());
    if (taken) {
      return Error{ErrorKind::kConflict,
                   "email_taken",
                   "a user with this email exists already",
                   "email",
                   {}};
    }
  }
  SECU_TRY(auto q, db.query("INSERT INTO users (id, org_id, email, password_hash, role, "
                            "email_verified, email_verified_at, created_at, last_login_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  q.bind_all(u.id, u.org_id, u.email, u.password_hash, u.role, u.email_verified,
             u.email_verified_at, u.created_at, u.last_login_at);
  return q.run();
}

Result<std::optional<UserRow>> get_user(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string("SELECT ") + kColumns + " FROM users WHERE id = ?1"));
  q.bind(1, id);
  return one_user(q);
}

Result<std::optional<UserRow>> find_user_by_email(Db& db, const std::string& email) {
  SECU_TRY(auto q, db.query(std::string("SELECT ") + kColumns + " FROM users WHERE email = ?1"));
  q.bind(1, email);
  return one_user(q);
}

Result<std::vector<UserRow>> list_users(Db& db, const std::string& org_id,
                                        const PageRequest& page) {
  // Two statements rather than "?1 = '' OR org_id = ?1": each keeps a plan on its own index
  // (users_org_created / users_created).
  const std::string keyset = keyset_before(page, 2) + " ORDER BY created_at DESC, id DESC LIMIT ?4";
  SECU_TRY(auto q, db.query(std::string("SELECT ") + kColumns + " FROM users WHERE " +
                            (org_id.empty() ? "?1 = ''" : "org_id = ?1") + keyset));
  q.bind_all(org_id, page.before_created_at, page.before_id, page.limit + 1);
  std::vector<UserRow> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    out.push_back(read_user(q));
  }
  return out;
}

Status set_user_last_login(Db& db, const std::string& id, int64_t at_ms) {
  SECU_TRY(auto q, db.query("UPDATE users SET last_login_at = ?2 WHERE id = ?1"));
  q.bind_all(id, at_ms);
  return q.run();
}

Status set_user_email_verified(Db& db, const std::string& id, int64_t at_ms) {
  SECU_TRY(auto q, db.query("UPDATE users SET email_verified = 1, "
                            "email_verified_at = COALESCE(email_verified_at, ?2) WHERE id = ?1"));
  q.bind_all(id, at_ms);
  return q.run();
}

}  // namespace secu::store
