#include "secu/store/keys.hpp"

#include "secu/store/list_query.hpp"

namespace secu::store {

namespace {
constexpr const char* kColumns =
    "SELECT id, org_id, agent_id, vendor_id, key_hash, prefix, created_at, revoked_at, "
    "last_used_at, expires_at, rotated_to FROM keys";

KeyRow read_row(const Stmt& q) {
  KeyRow k;
  k.id = q.text(0);
  k.org_id = q.text(1);
  k.agent_id = q.text(2);
  k.vendor_id = q.text(3);
  k.key_hash = q.text(4);
  k.prefix = q.text(5);
  k.created_at = q.int64(6);
  k.revoked_at = q.opt_int64(7);
  k.last_used_at = q.opt_int64(8);
  k.expires_at = q.opt_int64(9);
  k.rotated_to = q.opt_text(10);
  return k;
}

Result<std::optional<KeyRow>> one(Db& db, const char* where, const std::string& value) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + where));
  q.bind(1, value);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<KeyRow>();
  return std::optional<KeyRow>(read_row(q));
}
}  // namespace

Status insert_key(Db& db, const KeyRow& k) {
  SECU_TRY(auto q, db.query("INSERT INTO keys (id, org_id, agent_id, vendor_id, key_hash, prefix, "
                            "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  // A payer key (a hire's linked key) has no vendor: stored as NULL, read back as "".
  const auto vendor =
      k.vendor_id.empty() ? std::optional<std::string>() : std::optional<std::string>(k.vendor_id);
  q.bind_all(k.id, k.org_id, k.agent_id, vendor, k.key_hash, k.prefix, k.created_at);
  return q.run();
}

Status revoke_key(Db& db, const std::string& id, int64_t at) {
  SECU_TRY(auto q,
           db.query("UPDATE keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL"));
  q.bind_all(id, at);
  return q.run();
}

Status mark_key_rotated(Db& db, const std::string& id, const std::string& successor,
                        std::optional<int64_t> expires_at, std::optional<int64_t> revoked_at) {
  SECU_TRY(auto q, db.query("UPDATE keys SET rotated_to = ?2, expires_at = ?3, revoked_at = ?4 "
                            "WHERE id = ?1 AND revoked_at IS NULL"));
  q.bind_all(id, successor, expires_at, revoked_at);
  return q.run();
}

Result<std::optional<KeyRow>> get_key(Db& db, const std::string& id) {
  return one(db, " WHERE id = ?1", id);
}

Result<std::optional<KeyRow>> find_key_by_hash(Db& db, const std::string& key_hash) {
  return one(db, " WHERE key_hash = ?1", key_hash);
}

Status touch_key(Db& db, const std::string& id, int64_t at) {
  SECU_TRY(auto q, db.query("UPDATE keys SET last_used_at = ?2 WHERE id = ?1"));
  q.bind_all(id, at);
  return q.run();
}

Result<std::vector<KeyRow>> list_keys(Db& db, const std::string& org_id,
                                      const std::string& agent_id, const std::string& vendor_id,
                                      const PageRequest& page) {
  std::vector<KeyRow> out;
  SECU_TRY_VOID(list_page(db, kColumns,
                          {{"org_id", org_id}, {"agent_id", agent_id}, {"vendor_id", vendor_id}},
                          page, [&](Stmt& q) -> Status {
                            out.push_back(read_row(q));
                            return {};
                          }));
  return out;
}

Result<int64_t> count_active_keys_of_vendor(Db& db, const std::string& vendor_id, int64_t now_ms) {
  SECU_TRY(auto q, db.query("SELECT COUNT(*) FROM keys WHERE vendor_id = ?1 AND revoked_at IS NULL "
                            "AND (expires_at IS NULL OR expires_at > ?2)"));
  q.bind_all(vendor_id, now_ms);
  SECU_TRY(bool row, q.step());
  return row ? q.int64(0) : 0;
}

}  // namespace secu::store
