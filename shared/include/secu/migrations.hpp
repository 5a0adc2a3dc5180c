// Numbered schema migrations, tracked in PRAGMA user_version.
//
// Migrations apply in ascending version order (gaps allowed); each runs in its own transaction with
// the user_version bump, so a crash leaves the schema at a whole version. Migrations are only
// ever appended: an applied one is never edited. SQL is kept to what PostgreSQL also speaks
// (TEXT, BIGINT, INTEGER, no AUTOINCREMENT), so a PostgreSQL backend can reuse it.
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

// Applies every migration above the database's user_version. Fails if the database is newer
// than this binary knows (a downgrade), without touching it.
Result<int> migrate(Db& db, std::span<const Migration> list);

}  // namespace secu::store
