#include "secu/log.hpp"
#include "secu/migrations.hpp"

namespace secu::store {

Result<int> migrate(Db& db, std::span<const Migration> list) {
  SECU_TRY(int current, db.user_version());
  const int latest = list.empty() ? 0 : list.back().version;
  if (current > latest) {
    return Error::make(ErrorKind::kUnavailable, "schema_too_new",
                       "the database was written by a newer secud; refusing to open it");
  }
  for (const auto& m : list) {
    if (m.version <= current) continue;
    SECU_TRY(auto tx, Tx::begin(db));
    SECU_TRY_VOID(db.exec(m.sql));
    SECU_TRY_VOID(db.exec("PRAGMA user_version = " + std::to_string(m.version)));
    SECU_TRY_VOID(tx.commit());
    log::info("migration applied",
              {{"version", static_cast<int64_t>(m.version)}, {"name", m.name}});
    current = m.version;
  }
  return current;
}

}  // namespace secu::store
