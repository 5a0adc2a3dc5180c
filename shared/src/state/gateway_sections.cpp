// The gateway and billing areas of the state snapshot: approvals (as the API renders them) and
// the stored billing settings of each org.
#include "sections.hpp"
#include "secu/approvals.hpp"
#include "secu/billing.hpp"
#include "secu/clock.hpp"

namespace secu::state {

Status approvals_section(store::Db& db, const Scope& scope, nlohmann::json& items) {
  const int64_t now = now_ms();
  store::ApprovalFilter f;
  f.org_id = scope.org_id;
  f.now = now;
  return all_pages<store::ApprovalRow>(
      [&](const PageRequest& p) { return store::list_approvals(db, f, p); },
      [now](const store::ApprovalRow& a) { return approvals::approval_json(a, now); }, items);
}

Status billing_settings_section(store::Db& db, const Scope& scope, nlohmann::json& items) {
  constexpr int64_t kBatch = 1000;
  std::string after;
  for (;;) {
    SECU_TRY(auto rows, store::list_billing_settings(db, scope.org_id, after, kBatch));
    for (const auto& r : rows)
      items.push_back(billing::stored_settings_json(r));
    if (static_cast<int64_t>(rows.size()) < kBatch) return {};
    after = rows.back().org_id;
  }
}

}  // namespace secu::state
