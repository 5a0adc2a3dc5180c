// The vendors table. The api key is stored sealed (never in clear) with its last four
// characters for display.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct VendorRow {
  std::string id;
  std::string org_id;
  std::string name;
  std::string base_url;
  std::string auth_type;  // bearer | header | basic | query
  std::optional<std::string> header_name;
  std::string api_key_sealed;
  std::string api_key_last4;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> deleted_at;
};

Status insert_vendor(Db& db, const VendorRow& v);
Status update_vendor(Db& db, const VendorRow& v);
// Deleted vendors are returned too (callers decide); lists skip them.
Result<std::optional<VendorRow>> get_vendor(Db& db, const std::string& id);
Result<std::vector<VendorRow>> list_vendors(Db& db, const std::string& org_id,
                                            const PageRequest& page);

}  // namespace secu::store
