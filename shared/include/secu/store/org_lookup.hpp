// Existence checks on orgs used by tenant scoping (the orgs repository owns the rest).
#pragma once

#include <optional>
#include <string>

#include "secu/db.hpp"

namespace secu::store {

Result<bool> org_exists(Db& db, const std::string& org_id);
// The org's default daily budget for new agents (set at signup), if any.
Result<std::optional<int64_t>> org_default_budget(Db& db, const std::string& org_id);

}  // namespace secu::store
