// Small API steps tests share: make an org, a user with a role (logged in), and the
// governance resources, through the real HTTP API.
#pragma once

#include <string>

#include "support/fixture.hpp"

namespace secu::test {

// POST /v1/orgs as the platform admin; returns the org id (REQUIREs success).
std::string make_org(const Secud& s, const std::string& name);
// POST /v1/users as the platform admin, then POST /v1/auth/login; returns the JWT.
std::string make_user_token(const Secud& s, const std::string& org_id, const std::string& role,
                            const std::string& email);
// The id of a created resource; REQUIREs a 200.
std::string created_id(const Response& r);
// Rows of a table in the daemon's database (read-only connection).
int64_t count_rows(const Secud& s, const std::string& table);

}  // namespace secu::test
