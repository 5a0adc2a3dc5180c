// The audit_checkpoints table (signed tree heads, one per tree size, sizes only grow) and the
// install's checkpoint origin, kept in meta under "audit_origin".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "secu/db.hpp"

namespace secu::store {

struct CheckpointRow {
  int64_t size = 0;
  int64_t ts = 0;    // when it was signed, ms since epoch
  std::string root;  // raw 32 bytes
  std::string note;  // the signed note, as served
};

Status insert_checkpoint(Db& db, const CheckpointRow& r);
// The checkpoint of the largest size.
Result<std::optional<CheckpointRow>> latest_checkpoint_row(Db& db);
Result<std::optional<CheckpointRow>> checkpoint_row_at(Db& db, int64_t size);

// Steps through the stored checkpoints by ascending size.
class CheckpointCursor {
 public:
  static Result<CheckpointCursor> open(Db& db);
  Result<bool> next(CheckpointRow& row);

 private:
  explicit CheckpointCursor(Stmt stmt) : m_stmt(std::move(stmt)) {}
  Stmt m_stmt;
};

Result<std::optional<std::string>> load_audit_origin(Db& db);
// Stores the origin unless one is stored already (then the stored one stays).
Status save_audit_origin(Db& db, const std::string& origin);

}  // namespace secu::store
