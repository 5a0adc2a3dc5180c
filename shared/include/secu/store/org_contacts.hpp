// Who to write to about an org: read-only lookups over orgs and users used by billing.
#pragma once

#include <optional>
#include <string>

#include "secu/db.hpp"

namespace secu::store {

// The email of the org's oldest owner (role "owner"), if it has one.
Result<std::optional<std::string>> oldest_owner_email(Db& db, const std::string& org_id);

}  // namespace secu::store
