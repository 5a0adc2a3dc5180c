// The meta table: small named values of the installation (the admin token's hash).
// Thread-safety: as Db. Writes only inside Store::write jobs.
#pragma once

#include <optional>
#include <string>

#include "secu/db.hpp"

namespace secu::store {

Result<std::optional<std::string>> get_meta(Db& db, const std::string& key);
// Inserts or replaces the value.
Status put_meta(Db& db, const std::string& key, const std::string& value);

}  // namespace secu::store
