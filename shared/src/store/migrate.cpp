// Applying the schema migrations (secu/migrations.hpp).
//
// Which migrations a database has is the set of versions in schema_migrations, not a single
// high-water mark: areas append in their own version blocks, so a migration numbered 62 can
// ship after one numbered 70 was applied, and a high-water mark would skip it for good on every
// upgraded database. user_version is still kept (the highest applied version) so a downgrade
// is refused at once.
#include <set>

#include "secu/clock.hpp"
#include "secu/log.hpp"
#include "secu/migrations.hpp"

namespace secu::store {

namespace {

Error too_new() {
  return Error::make(ErrorKind::kUnavailable, "schema_too_new",
                     "the database was written by a newer secud; refusing to open it");
}

// The applied versions. A database from before schema_migrations existed had every migration
// up to its user_version applied: those are recorded first.
Result<std::set<int>> applied_versions(Db& db, std::span<const Migration> list, int current) {
  SECU_TRY(auto tx, Tx::begin(db));
  SECU_TRY_VOID(
      db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
              "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  SECU_TRY(auto count, db.query("SELECT COUNT(*) FROM schema_migrations"));
  SECU_TRY(bool has_row, count.step());
  if (has_row && count.int64(0) == 0 && current > 0) {
    for (const auto& m : list) {
      if (m.version > current) break;
      SECU_TRY(auto ins, db.query("INSERT INTO schema_migrations (version, name, applied_at) "
                                  "VALUES (?1, ?2, ?3)"));
      ins.bind_all(m.version, m.name, now_ms());
      SECU_TRY_VOID(ins.run());
    }
  }
  SECU_TRY_VOID(tx.commit());

  std::set<int> out;
  SECU_TRY(auto q, db.query("SELECT version FROM schema_migrations"));
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    out.insert(static_cast<int>(q.int64(0)));
  }
  return out;
}

}  // namespace

Result<int> migrate(Db& db, std::span<const Migration> list) {
  SECU_TRY(int current, db.user_version());
  std::set<int> known;
  for (const auto& m : list)
    known.insert(m.version);
  const int latest = known.empty() ? 0 : *known.rbegin();
  if (current > latest) return too_new();
  SECU_TRY(auto applied, applied_versions(db, list, current));
  for (int v : applied)
    if (!known.count(v)) return too_new();  // a newer binary's migration inside a block

  for (const auto& m : list) {
    if (applied.count(m.version)) continue;
    SECU_TRY(auto tx, Tx::begin(db));
    SECU_TRY_VOID(db.exec(m.sql));
    SECU_TRY(auto ins, db.query("INSERT INTO schema_migrations (version, name, applied_at) "
                                "VALUES (?1, ?2, ?3)"));
    ins.bind_all(m.version, m.name, now_ms());
    SECU_TRY_VOID(ins.run());
    current = std::max(current, m.version);
    SECU_TRY_VOID(db.exec("PRAGMA user_version = " + std::to_string(current)));
    SECU_TRY_VOID(tx.commit());
    log::info("migration applied",
              {{"version", static_cast<int64_t>(m.version)}, {"name", m.name}});
  }
  return current;
}

}  // namespace secu::store
