// The keys table: one agent bound to one vendor. Only a keyed hash of the secret is stored.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct KeyRow {
  std::string id;
  std::string org_id;
  std::string agent_id;
  std::string vendor_id;  // "" for a payer key (a hire's linked key: transfers only)
  std::string key_hash;
  std::string prefix;  // the first characters of the secret, for display
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> expires_at;      // set by a rotation with a grace period
  std::optional<std::string> rotated_to;  // the key that replaced this one

  // Authenticates at `now_ms`: not revoked, and not past the end of a rotation's grace.
  bool usable(int64_t now_ms) const { return !revoked_at && (!expires_at || now_ms < *expires_at); }
};

Status insert_key(Db& db, const KeyRow& k);
Status revoke_key(Db& db, const std::string& id, int64_t at);
// Marks a key as rotated to `successor`: with a grace period it expires at `expires_at`; without
// one (revoked_at set) it stops at once.
Status mark_key_rotated(Db& db, const std::string& id, const std::string& successor,
                        std::optional<int64_t> expires_at, std::optional<int64_t> revoked_at);
Result<std::optional<KeyRow>> get_key(Db& db, const std::string& id);
Result<std::optional<KeyRow>> find_key_by_hash(Db& db, const std::string& key_hash);
Status touch_key(Db& db, const std::string& id, int64_t at);
Result<std::vector<KeyRow>> list_keys(Db& db, const std::string& org_id,
                                      const std::string& agent_id, const std::string& vendor_id,
                                      const PageRequest& page);
// Active keys of a vendor at `now_ms` (not revoked, not past a rotation's grace).
Result<int64_t> count_active_keys_of_vendor(Db& db, const std::string& vendor_id, int64_t now_ms);

}  // namespace secu::store
