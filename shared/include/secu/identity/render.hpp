// JSON shapes of identity objects (DESIGN.md "Response shapes"): absent values are left out,
// never null; times are RFC 3339 UTC with milliseconds; money in USD at the edge. No password
// hash ever leaves through these.
#pragma once

#include <nlohmann/json.hpp>

#include "secu/identity/sessions.hpp"
#include "secu/store/orgs.hpp"
#include "secu/store/users.hpp"

namespace secu::identity {

// {id, name, created_at, default_daily_budget_usd?, stripe_email?}
nlohmann::json org_json(const store::OrgRow& org);
// {id, org_id, email, role, email_verified, email_verified_at?, created_at, last_login_at?}
nlohmann::json user_json(const store::UserRow& user);
// {token, expires_at, user, org}
nlohmann::json session_json(const Session& s);

}  // namespace secu::identity
