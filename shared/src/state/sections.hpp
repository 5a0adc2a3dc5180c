// One function per area of the state snapshot (see secu/state/snapshot.hpp). Each appends the
// area's objects, in API shape and redacted, for `scope` to `items` (a JSON array). Areas list
// every row in scope: the snapshot is an export, not a page.
#pragma once

#include <nlohmann/json.hpp>

#include "secu/db.hpp"
#include "secu/paging.hpp"
#include "secu/state/snapshot.hpp"

namespace secu::state {

using SectionFn = Status (*)(store::Db& db, const Scope& scope, nlohmann::json& items);

// Identity (identity_sections.cpp).
Status orgs_section(store::Db& db, const Scope& scope, nlohmann::json& items);
Status users_section(store::Db& db, const Scope& scope, nlohmann::json& items);

// Governance (governance_sections.cpp).
Status agents_section(store::Db& db, const Scope& scope, nlohmann::json& items);
Status policies_section(store::Db& db, const Scope& scope, nlohmann::json& items);
Status vendors_section(store::Db& db, const Scope& scope, nlohmann::json& items);
Status keys_section(store::Db& db, const Scope& scope, nlohmann::json& items);

// Gateway and billing (gateway_sections.cpp).
Status approvals_section(store::Db& db, const Scope& scope, nlohmann::json& items);
Status billing_settings_section(store::Db& db, const Scope& scope, nlohmann::json& items);

// Walks every page of a keyset-paged repository list (`list(page)` answers up to
// page.limit + 1 rows), appending `render(row)` of each row to `items`.
template <typename Row, typename ListFn, typename Render>
Status all_pages(ListFn list, Render render, nlohmann::json& items) {
  constexpr int64_t kBatch = 1000;
  PageRequest page;
  page.limit = kBatch;
  for (;;) {
    SECU_TRY(std::vector<Row> rows, list(page));
    const bool more = static_cast<int64_t>(rows.size()) > kBatch;
    if (more) rows.resize(static_cast<size_t>(kBatch));
    for (const auto& r : rows)
      items.push_back(render(r));
    if (!more || rows.empty()) return {};
    page.before_created_at = rows.back().created_at;
    page.before_id = rows.back().id;
  }
}

}  // namespace secu::state
