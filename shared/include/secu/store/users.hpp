// The users table (console people). Emails are stored normalised (json::normalize_email) and
// are unique across orgs, since login is by email alone.
// Thread-safety: as Db. Writes only inside Store::write jobs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct UserRow {
  std::string id;
  std::string org_id;
  std::string email;
  std::optional<std::string> password_hash;  // Argon2id encoded; absent for SSO-only users
  std::string role;                          // identity::role_name
  bool email_verified = false;
  std::optional<int64_t> email_verified_at;
  int64_t created_at = 0;
  std::optional<int64_t> last_login_at;
};

// kConflict "email_taken" when the email exists already.
Status insert_user(Db& db, const UserRow& user);
Result<std::optional<UserRow>> get_user(Db& db, const std::string& id);
Result<std::optional<UserRow>> find_user_by_email(Db& db, const std::string& normalized_email);
// Newest first; org_id "" = every org. Up to page.limit + 1 rows.
Result<std::vector<UserRow>> list_users(Db& db, const std::string& org_id, const PageRequest& page);
Status set_user_last_login(Db& db, const std::string& id, int64_t at_ms);
// Sets email_verified and, the first time only, email_verified_at.
Status set_user_email_verified(Db& db, const std::string& id, int64_t at_ms);

}  // namespace secu::store
