#include "secu/store/vendors.hpp"

#include "secu/store/list_query.hpp"

namespace secu::store {

namespace {
constexpr const char* kColumns =
    "SELECT id, org_id, name, base_url, auth_type, header_name, api_key_sealed, api_key_last4, "
    "created_at, updated_at, deleted_at FROM vendors";

VendorRow read_row(const Stmt& q) {
  VendorRow v;
  v.id = q.text(0);
  v.org_id = q.text(1);
  v.name = q.text(2);
  v.base_url = q.text(3);
  v.auth_type = q.text(4);
  v.header_name = q.opt_text(5);
  v.api_key_sealed = q.blob(6);
  v.api_key_last4 = q.text(7);
  v.created_at = q.int64(8);
  v.updated_at = q.int64(9);
  v.deleted_at = q.opt_int64(10);
  return v;
}
}  // namespace

Status insert_vendor(Db& db, const VendorRow& v) {
  SECU_TRY(auto q, db.query("INSERT INTO vendors (id, org_id, name, base_url, auth_type, "
                            "header_name, api_key_sealed, api_key_last4, created_at, updated_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  q.bind_all(v.id, v.org_id, v.name, v.base_url, v.auth_type, v.header_name);
  q.bind_blob(7, v.api_key_sealed);
  q.bind(8, v.api_key_last4).bind(9, v.created_at).bind(10, v.updated_at);
  return q.run();
}

Status update_vendor(Db& db, const VendorRow& v) {
  SECU_TRY(auto q, db.query("UPDATE vendors SET name = ?2, base_url = ?3, auth_type = ?4, "
                            "header_name = ?5, api_key_sealed = ?6, api_key_last4 = ?7, "
                            "updated_at = ?8, deleted_at = ?9 WHERE id = ?1"));
  q.bind_all(v.id, v.name, v.base_url, v.auth_type, v.header_name);
  q.bind_blob(6, v.api_key_sealed);
  q.bind(7, v.api_key_last4).bind(8, v.updated_at).bind(9, v.deleted_at);
  return q.run();
}

Result<std::optional<VendorRow>> get_vendor(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE id = ?1"));
  q.bind(1, id);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<VendorRow>();
  return std::optional<VendorRow>(read_row(q));
}

Result<std::vector<VendorRow>> list_vendors(Db& db, const std::string& org_id,
                                            const PageRequest& page) {
  std::vector<VendorRow> out;
  // Deleted vendors keep their row (keys and events refer to them) but leave the lists.
  SECU_TRY_VOID(list_page(
      db, kColumns, {{"org_id", org_id}}, page,
      [&](Stmt& q) -> Status {
        out.push_back(read_row(q));
        return {};
      },
      "deleted_at IS NULL"));
  return out;
}

}  // namespace secu::store
