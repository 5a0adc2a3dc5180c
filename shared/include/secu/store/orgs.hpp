// The orgs table (tenants). Existence checks used by tenant scoping are in org_lookup.hpp.
// Thread-safety: as Db (one thread per connection). Writes only inside Store::write jobs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct OrgRow {
  std::string id;
  std::string name;
  int64_t created_at = 0;                              // ms
  std::optional<int64_t> default_daily_budget_micros;  // default budget of new agents
  std::optional<std::string> stripe_email;             // kept for billing
  std::optional<std::string> network;                  // kept for the ledger (wallets)
  bool create_wallet = false;                          // asked at signup, for the ledger
};

Status insert_org(Db& db, const OrgRow& org);
Result<std::optional<OrgRow>> get_org(Db& db, const std::string& id);
// Newest first; up to page.limit + 1 rows (the extra one says a next page exists).
Result<std::vector<OrgRow>> list_orgs(Db& db, const PageRequest& page);

}  // namespace secu::store
