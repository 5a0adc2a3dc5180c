// The audit_log table: one row per entry of the hash chain (see secu/audit.hpp for the
// invariants). Rows are only ever inserted; nothing here updates or deletes.
//
// Thread-safety: like Db, one thread at a time per connection. A cursor borrows a cached
// statement of its Db: keep at most one cursor per Db open at a time, and finish it (or let it
// go out of scope) before the read transaction ends.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "secu/db.hpp"

namespace secu::store {

struct AuditRow {
  int64_t seq = 0;
  int64_t ts = 0;  // ms since epoch
  std::string org_id;
  std::string actor_type;
  std::string actor_id;
  std::string action;
  std::string target;
  std::string details;  // canonical JSON text
  std::string request_id;
  std::string prev_hash;  // hex
  std::string hash;       // hex
};

struct AuditHead {
  int64_t seq = 0;   // 0 when the log is empty
  std::string hash;  // hex; empty when the log is empty
};

Status insert_audit_row(Db& db, const AuditRow& r);
// The last entry (highest seq).
Result<AuditHead> audit_head(Db& db);
Result<int64_t> count_audit_rows(Db& db);
// The org of entry `seq`, or nullopt when there is no such entry.
Result<std::optional<std::string>> audit_row_org(Db& db, int64_t seq);

// Which rows a scan visits, always in ascending seq order.
struct AuditScan {
  int64_t after_seq = 0;                                   // seq > after_seq
  int64_t last_seq = std::numeric_limits<int64_t>::max();  // seq <= last_seq
  std::optional<std::string> org_id;                       // only this org's entries
  int64_t from_ts = std::numeric_limits<int64_t>::min();   // ts >= from_ts
  int64_t to_ts = std::numeric_limits<int64_t>::max();     // ts < to_ts
  int64_t limit = -1;                                      // at most this many rows; -1: all
};

// Steps through the rows of a scan one at a time (constant memory however long the log).
class AuditCursor {
 public:
  static Result<AuditCursor> open(Db& db, const AuditScan& scan);
  // Fills `row` and answers true, or answers false after the last row.
  Result<bool> next(AuditRow& row);

 private:
  explicit AuditCursor(Stmt stmt) : m_stmt(std::move(stmt)) {}
  Stmt m_stmt;
};

}  // namespace secu::store
