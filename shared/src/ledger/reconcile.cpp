// Reconciliation: the cached figures against what the entries and holds say.
#include "secu/clock.hpp"
#include "secu/ledger.hpp"

namespace secu::ledger {

Result<nlohmann::json> reconcile(store::Db& db, const std::string& org_id) {
  nlohmann::json out = {{"checked_at", format_rfc3339(now_ms())},
                        {"scope", org_id.empty() ? "platform" : "org"}};
  if (!org_id.empty()) out["org_id"] = org_id;
  bool balanced = true;
  if (org_id.empty()) {
    // The global rule: every currency's entries sum to zero. Only the platform sees it (an
    // org's accounts alone never sum to zero: the other side is someone else's).
    SECU_TRY(auto sums, store::entry_sums(db));
    out["currencies"] = nlohmann::json::array();
    for (const auto& s : sums) {
      out["currencies"].push_back(
          {{"currency", s.currency}, {"entries", s.entries}, {"sum", s.sum}});
      if (s.sum != 0) balanced = false;
    }
  }
  SECU_TRY(auto checks, store::account_checks(db, org_id));
  out["accounts_checked"] = checks.size();
  out["mismatched_accounts"] = nlohmann::json::array();
  for (const auto& c : checks) {
    if (c.cached_balance == c.derived_balance && c.cached_held == c.derived_held) continue;
    balanced = false;
    out["mismatched_accounts"].push_back({{"wallet_id", c.account_id},
                                          {"currency", c.currency},
                                          {"cached_balance", c.cached_balance},
                                          {"derived_balance", c.derived_balance},
                                          {"cached_held", c.cached_held},
                                          {"derived_held", c.derived_held}});
  }
  SECU_TRY(auto unbalanced, store::unbalanced_transfers(db, org_id));
  out["unbalanced_transfers"] = unbalanced;
  if (!unbalanced.empty()) balanced = false;
  out["balanced"] = balanced;
  return out;
}

}  // namespace secu::ledger
