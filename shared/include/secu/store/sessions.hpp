// The sessions table: one row per issued console JWT (its `sid`). A JWT is accepted only while
// its row exists, is not revoked and has not expired, which is what makes logout real.
// Thread-safety: as Db. Writes only inside Store::write jobs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "secu/db.hpp"

namespace secu::store {

struct SessionRow {
  std::string id;
  std::string user_id;
  std::string org_id;
  int64_t created_at = 0;  // ms
  int64_t expires_at = 0;  // ms
  std::optional<int64_t> revoked_at;
};

Status insert_session(Db& db, const SessionRow& s);
Result<std::optional<SessionRow>> get_session(Db& db, const std::string& id);
// Marks the session revoked; true when it was live (false: unknown or revoked already).
Result<bool> revoke_session(Db& db, const std::string& id, int64_t at_ms);
// Deletes sessions that expired before `before_ms` (housekeeping; they can never be used).
Status delete_sessions_expired_before(Db& db, int64_t before_ms);

}  // namespace secu::store
