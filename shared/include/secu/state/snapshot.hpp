// The redacted state snapshot of GET /v1/state:
//   {"orgs","users","agents","policies","vendors","keys","approvals","billing_settings"}
// each an array of that area's objects in their API shapes, for one org or for every org.
//
// Redaction: each area renders its rows with the same functions as its API answers, which
// never include a password hash, token hash, key hash or sealed secret (vendors show their key
// as "…abcd"). The snapshot adds nothing else, so it cannot leak what the API does not.
// Composition: one function per area (shared/src/state/sections.hpp), listed in snapshot.cpp;
// an area not built yet answers an empty array. Adding an area = one function + one line.
// Thread-safety: as Db (run inside Store::read, which gives one consistent snapshot).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "secu/db.hpp"

namespace secu::state {

struct Scope {
  std::string org_id;  // "" = every org (the platform admin's view)
};

Result<nlohmann::json> snapshot(store::Db& db, const Scope& scope);

}  // namespace secu::state
