// Keyset pagination for every list: newest first by (created_at, id); `limit` default 100, max
// 1000; `cursor` is opaque (base64url of "created_at:id" of the last row of the previous page).
// No OFFSET: a page costs the same at row 1,000 and at row 1,000,000.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "secu/result.hpp"

namespace secu {

struct PageRequest {
  int64_t limit = 100;
  // Rows strictly older than (created_at, id) in (created_at DESC, id DESC) order.
  std::optional<int64_t> before_created_at;
  std::optional<std::string> before_id;
};

// Parses the query values (absent → defaults). 400 with field "limit" / "cursor" on bad input.
Result<PageRequest> parse_page(const std::optional<std::string>& limit,
                               const std::optional<std::string>& cursor);
std::string make_cursor(int64_t created_at, const std::string& id);

// Paging SQL fragment for (created_at, id) keyset; binds ?N and ?N+1 to before_created_at and
// before_id (NULLs mean "from the newest"):
//   WHERE … AND (?5 IS NULL OR created_at < ?5 OR (created_at = ?5 AND id < ?6))
//   ORDER BY created_at DESC, id DESC LIMIT ?7
// Callers ask for limit + 1 rows to know whether a next page exists.

}  // namespace secu
