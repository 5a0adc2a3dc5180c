#include "secu/store/org_contacts.hpp"

namespace secu::store {

Result<std::optional<std::string>> oldest_owner_email(Db& db, const std::string& org_id) {
  SECU_TRY(auto q, db.query("SELECT email FROM users WHERE org_id = ?1 AND role = 'owner' ORDER "
                            "BY created_at, id LIMIT 1"));
  q.bind(1, org_id);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.text(0));
}

}  // namespace secu::store
