#include "secu/store/list_query.hpp"

namespace secu::store {

Status list_page(Db& db, const std::string& select, const std::vector<ListFilter>& filters,
                 const PageRequest& page, const std::function<Status(Stmt&)>& row,
                 const char* fixed_condition) {
  std::string sql = select + " WHERE " + (fixed_condition ? fixed_condition : "1 = 1");
  int n = 0;
  std::vector<const std::string*> binds;
  for (const auto& f : filters) {
    if (f.value.empty()) continue;
    sql += " AND " + f.column + " = ?" + std::to_string(++n);
    binds.push_back(&f.value);
  }
  const bool after = page.before_created_at.has_value();
  if (after) {
    sql += " AND (created_at < ?" + std::to_string(n + 1) + " OR (created_at = ?" +
           std::to_string(n + 1) + " AND id < ?" + std::to_string(n + 2) + "))";
  }
  sql += " ORDER BY created_at DESC, id DESC LIMIT ?" + std::to_string(n + (after ? 3 : 1));
  SECU_TRY(auto q, db.query(sql));
  int i = 0;
  for (const auto* b : binds)
    q.bind(++i, *b);
  if (after) {
    q.bind(++i, *page.before_created_at);
    q.bind(++i, page.before_id.value_or(""));
  }
  q.bind(++i, page.limit + 1);
  for (;;) {
    SECU_TRY(bool has, q.step());
    if (!has) return {};
    SECU_TRY_VOID(row(q));
  }
}

std::string keyset_before(const PageRequest& page, int first) {
  const std::string a = "?" + std::to_string(first), b = "?" + std::to_string(first + 1);
  if (page.before_created_at)
    return " AND (created_at < " + a + " OR (created_at = " + a + " AND id < " + b + "))";
  return " AND " + a + " IS NULL AND ifnull(" + b + ", '') = ''";
}

}  // namespace secu::store
