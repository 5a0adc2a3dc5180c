#include "secu/store/org_lookup.hpp"

namespace secu::store {

Result<bool> org_exists(Db& db, const std::string& org_id) {
  SECU_TRY(auto q, db.query("SELECT 1 FROM orgs WHERE id = ?1"));
  q.bind(1, org_id);
  return q.step();
}

Result<std::optional<int64_t>> org_default_budget(Db& db, const std::string& org_id) {
  SECU_TRY(auto q, db.query("SELECT default_daily_budget_micros FROM orgs WHERE id = ?1"));
  q.bind(1, org_id);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<int64_t>();
  return q.opt_int64(0);
}

}  // namespace secu::store
