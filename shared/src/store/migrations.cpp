// The schema, one numbered step at a time. Append only: never edit an applied migration.
#include "secu/migrations.hpp"

namespace secu::store {

namespace {

constexpr Migration kMigrations[] = {
    {1, "meta",
     R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
};

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

}  // namespace secu::store
