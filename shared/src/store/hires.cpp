#include "secu/store/hires.hpp"

#include "secu/store/list_query.hpp"

namespace secu::store {

namespace {

constexpr const char* kColumns =
    "SELECT id, org_id, to_agent_id, to_org_id, pricing_model, price_micros, "
    "daily_budget_micros, rail, currency, network, asset, charge_transfer_id, status, "
    "idempotency_key, body_hash, actor_type, actor_id, request_id, created_at, payer_agent_id, "
    "policy_id, key_id FROM "
    "marketplace_hires";

HireRow read_row(const Stmt& q) {
  HireRow h;
  h.id = q.text(0);
  h.org_id = q.text(1);
  h.to_agent_id = q.text(2);
  h.to_org_id = q.text(3);
  h.pricing_model = q.text(4);
  h.price_micros = q.int64(5);
  h.daily_budget_micros = q.opt_int64(6);
  h.rail = q.opt_text(7);
  h.currency = q.opt_text(8);
  h.network = q.opt_text(9);
  h.asset = q.opt_text(10);
  h.charge_transfer_id = q.opt_text(11);
  h.status = q.text(12);
  h.idempotency_key = q.opt_text(13);
  h.body_hash = q.opt_text(14);
  h.actor_type = q.text(15);
  h.actor_id = q.text(16);
  h.request_id = q.text(17);
  h.created_at = q.int64(18);
  h.payer_agent_id = q.opt_text(19);
  h.policy_id = q.opt_text(20);
  h.key_id = q.opt_text(21);
  return h;
}

Result<std::optional<HireRow>> one(Stmt& q) {
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<HireRow>();
  return std::optional<HireRow>(read_row(q));
}

}  // namespace

Status insert_hire(Db& db, const HireRow& h) {
  SECU_TRY(auto q, db.query("INSERT INTO marketplace_hires (id, org_id, to_agent_id, to_org_id, "
                            "pricing_model, price_micros, daily_budget_micros, rail, currency, "
                            "network, asset, charge_transfer_id, status, idempotency_key, "
                            "body_hash, actor_type, actor_id, request_id, created_at, "
                            "payer_agent_id, policy_id, key_id) VALUES "
                            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                            "?16, ?17, ?18, ?19, ?20, ?21, ?22)"));
  q.bind_all(h.id, h.org_id, h.to_agent_id, h.to_org_id, h.pricing_model, h.price_micros,
             h.daily_budget_micros, h.rail, h.currency, h.network, h.asset, h.charge_transfer_id,
             h.status, h.idempotency_key, h.body_hash, h.actor_type, h.actor_id, h.request_id,
             h.created_at, h.payer_agent_id, h.policy_id, h.key_id);
  return q.run();
}

Result<std::optional<HireRow>> find_hire_by_payer(Db& db, const std::string& agent_id) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE payer_agent_id = ?1"));
  q.bind(1, agent_id);
  return one(q);
}

Result<std::optional<HireRow>> get_hire(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE id = ?1"));
  q.bind_all(id);
  return one(q);
}

Result<std::optional<HireRow>> find_hire_by_idempotency(Db& db, const std::string& org_id,
                                                        const std::string& key) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE org_id = ?1 AND idempotency_key = ?2"));
  q.bind_all(org_id, key);
  return one(q);
}

Result<std::vector<HireRow>> list_hires(Db& db, const std::string& org_id,
                                        const PageRequest& page) {
  SECU_TRY(auto q,
           db.query(std::string(kColumns) + " WHERE (?1 = '' OR org_id = ?1 OR to_org_id = ?1)" +
                    keyset_before(page, 2) + " ORDER BY created_at DESC, id DESC LIMIT ?4"));
  q.bind_all(org_id, page.before_created_at, page.before_id.value_or(""), page.limit + 1);
  std::vector<HireRow> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    out.push_back(read_row(q));
  }
  return out;
}

}  // namespace secu::store
