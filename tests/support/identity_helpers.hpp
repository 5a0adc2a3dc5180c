// Helpers for tests of the identity area: accounts made through the real API, tokens forged
// with the daemon's own signing key (for expired or malformed JWTs, which the API never
// issues), and row counts of secud's database while it runs.
#pragma once

#include <cstdint>
#include <string>

#include "fixture.hpp"
#include "secu/jwt.hpp"

namespace secu::test {

// Options of a Secud with extra flags.
SecudOptions with_args(std::vector<std::string> args);

constexpr const char* kTestPassword = "correct horse battery staple";

struct Account {
  std::string token;  // a live JWT
  std::string user_id;
  std::string org_id;
  std::string email;
  std::string password;
  std::string role;
};

// POST /v1/auth/signup; throws unless 200.
Account signup_account(const Secud& s, const std::string& email, const std::string& org_name = "",
                       const std::string& password = kTestPassword);
// POST /v1/users with the admin token, then logs the user in; throws unless both work.
Account add_user(const Secud& s, const std::string& org_id, const std::string& email,
                 const std::string& role, const std::string& password = kTestPassword);
// POST /v1/auth/login; the token, or "" when it did not answer 200.
std::string login_token(const Secud& s, const std::string& email,
                        const std::string& password = kTestPassword);

// A JWT with `claims`, signed with <data-dir>/signing.key.
std::string forge_jwt(const Secud& s, const jwt::Claims& claims);
// `live`'s claims (same user, org, role and live session) re-signed with the daemon's key for
// [now + iat_offset_s, now + exp_offset_s]: an expired token with (-7200, -60), a short-lived
// one with (-10, 3).
std::string reissue_jwt(const Secud& s, const std::string& live, int64_t iat_offset_s,
                        int64_t exp_offset_s);
// header.payload.signature from raw JSON texts, signed (Ed25519) with the daemon's key.
std::string forge_raw(const Secud& s, const std::string& header_json,
                      const std::string& payload_json);

// SELECT COUNT(*) FROM `table` [WHERE where], on secud's database.
int64_t row_count(const Secud& s, const std::string& table, const std::string& where = "");

// Runs SQL on secud's database while it runs (to age a token past its expiry, say).
void exec_sql(const Secud& s, const std::string& sql);

// Every file of the data dir's database (secu.db, -wal), concatenated: for secret scans.
std::string database_bytes(const Secud& s);

}  // namespace secu::test
