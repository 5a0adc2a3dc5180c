// Keyset-paginated list queries shared by the repositories: newest first by (created_at, id),
// equality filters that are skipped when empty, limit + 1 rows fetched so the caller knows
// whether a next page exists. Each distinct filter set is its own SQL text, so every query
// keeps a plan that uses the (org_id, created_at, id) or (created_at, id) index.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct ListFilter {
  std::string column;  // a column name written by the repository, never user input
  std::string value;   // skipped when empty
};

// Runs `select` (e.g. "SELECT id, name, created_at FROM agents") with the filters and the page,
// calling `row` for each result row (at most page.limit + 1 rows). `fixed_condition` is SQL
// written by the repository (e.g. "deleted_at IS NULL"), never user input.
Status list_page(Db& db, const std::string& select, const std::vector<ListFilter>& filters,
                 const PageRequest& page, const std::function<Status(Stmt&)>& row,
                 const char* fixed_condition = nullptr);

// " AND <rows older than the cursor>" on parameters ?first (created_at) and ?first+1 (id), for
// the repositories that write their own SQL. The condition is written only when the page has a
// cursor: "?N IS NULL OR created_at < ?N …" cannot bound the index walk, so a deep page walked
// every newer row (tests/bench/secu_list_bench). Without a cursor both parameters are still
// referenced (bind NULL or "" to them), so the bind numbers stay the same.
std::string keyset_before(const PageRequest& page, int first);

// The list answer's next cursor: when `rows` holds more than `limit` items, drops the extra
// one and returns the cursor of the last kept row; otherwise "".
template <typename Row>
std::string trim_page(std::vector<Row>& rows, int64_t limit) {
  if (static_cast<int64_t>(rows.size()) <= limit) return {};
  rows.resize(static_cast<size_t>(limit));
  return make_cursor(rows.back().created_at, rows.back().id);
}

}  // namespace secu::store
