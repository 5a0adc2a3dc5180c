#include "secu/store/meta.hpp"

namespace secu::store {

Result<std::optional<std::string>> get_meta(Db& db, const std::string& key) {
  SECU_TRY(auto q, db.query("SELECT value FROM meta WHERE key = ?1"));
  q.bind(1, key);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.text(0));
}

Status put_meta(Db& db, const std::string& key, const std::string& value) {
  // ON CONFLICT … DO UPDATE: spoken by SQLite and PostgreSQL alike.
  SECU_TRY(auto q, db.query("INSERT INTO meta (key, value) VALUES (?1, ?2) "
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  q.bind_all(key, value);
  return q.run();
}

}  // namespace secu::store
