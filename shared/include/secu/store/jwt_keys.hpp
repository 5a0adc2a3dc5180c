// The jwt_signing_keys table: console JWT signing keys made by rotation, and the retirement of
// each (migration 86 explains the columns). The seed is stored sealed, never in clear.
// Thread-safety: as Db. Writes only inside Store::write jobs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"

namespace secu::store {

struct JwtKeyRow {
  std::string kid;                         // "" = the data dir's signing.key
  std::optional<std::string> seed_sealed;  // absent for kid ""
  std::string public_key;                  // base64url
  int64_t created_at = 0;                  // ms
  std::optional<int64_t> retired_at;       // ms
  std::optional<int64_t> verify_until;     // ms
};

Status insert_jwt_key(Db& db, const JwtKeyRow& k);
// Retires the active key `kid` (no-op when it is retired already).
Status retire_jwt_key(Db& db, const std::string& kid, int64_t at, int64_t verify_until);
// Every row, oldest first.
Result<std::vector<JwtKeyRow>> list_jwt_keys(Db& db);

}  // namespace secu::store
