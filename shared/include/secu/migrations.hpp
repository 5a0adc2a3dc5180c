// Numbered schema migrations, tracked one by one in the schema_migrations table (and the highest
// applied version in PRAGMA user_version, to refuse a downgrade at once).
//
// Every migration not yet applied runs, in ascending version order (gaps allowed; a version
// below the highest applied one still runs: areas append in their own blocks). Each runs in its
// own transaction with its schema_migrations row, so a crash leaves whole migrations. Migrations
// are only ever appended: an applied one is never edited. SQL is kept to what PostgreSQL also
// speaks (TEXT, BIGINT, INTEGER, no AUTOINCREMENT), so a PostgreSQL backend can reuse it.
#pragma once

#include <span>

#include "secu/db.hpp"

namespace secu::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// The project's migrations, in order.
std::span<const Migration> migrations();

// Applies every migration the database has not applied. Fails if the database is newer than
// this binary knows (a downgrade: a higher user_version, or an applied version it does not
// know), without applying anything.
Result<int> migrate(Db& db, std::span<const Migration> list);

}  // namespace secu::store
