#include "secu/store/agents.hpp"

#include "secu/store/list_query.hpp"

namespace secu::store {

namespace {
constexpr const char* kColumns =
    "SELECT id, org_id, name, status, daily_budget_micros, created_at, updated_at, disabled_at, "
    "listed, price_micros, pricing_model FROM agents";

AgentRow read_row(const Stmt& q) {
  AgentRow a;
  a.id = q.text(0);
  a.org_id = q.text(1);
  a.name = q.text(2);
  a.status = q.text(3);
  a.daily_budget_micros = q.opt_int64(4);
  a.created_at = q.int64(5);
  a.updated_at = q.int64(6);
  a.disabled_at = q.opt_int64(7);
  a.listed = q.int64(8) != 0;
  a.price_micros = q.opt_int64(9);
  a.pricing_model = q.opt_text(10);
  return a;
}

Status load_policy_ids(Db& db, AgentRow& a) {
  SECU_TRY(auto q, db.query("SELECT policy_id FROM agent_policies WHERE agent_id = ?1 "
                            "ORDER BY position"));
  q.bind(1, a.id);
  a.policy_ids.clear();
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) return {};
    a.policy_ids.push_back(q.text(0));
  }
}

Status write_attachments(Db& db, const AgentRow& a) {
  SECU_TRY(auto del, db.query("DELETE FROM agent_policies WHERE agent_id = ?1"));
  SECU_TRY_VOID(del.bind(1, a.id).run());
  SECU_TRY(auto ins, db.query("INSERT INTO agent_policies (agent_id, policy_id, position) "
                              "VALUES (?1, ?2, ?3)"));
  int pos = 0;
  for (const auto& pid : a.policy_ids) {
    ins.bind_all(a.id, pid, pos++);
    SECU_TRY_VOID(ins.run());
    ins.reset();
  }
  return {};
}
}  // namespace

Status insert_agent(Db& db, const AgentRow& a) {
  SECU_TRY(auto q,
           db.query("INSERT INTO agents (id, org_id, name, status, daily_budget_micros, "
                    "created_at, updated_at, disabled_at, listed, price_micros, "
                    "pricing_model) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  q.bind_all(a.id, a.org_id, a.name, a.status, a.daily_budget_micros, a.created_at, a.updated_at,
             a.disabled_at, a.listed, a.price_micros, a.pricing_model);
  SECU_TRY_VOID(q.run());
  return write_attachments(db, a);
}

Status update_agent(Db& db, const AgentRow& a) {
  SECU_TRY(auto q, db.query("UPDATE agents SET name = ?2, status = ?3, daily_budget_micros = ?4, "
                            "updated_at = ?5, disabled_at = ?6, listed = ?7, price_micros = ?8, "
                            "pricing_model = ?9 WHERE id = ?1"));
  q.bind_all(a.id, a.name, a.status, a.daily_budget_micros, a.updated_at, a.disabled_at, a.listed,
             a.price_micros, a.pricing_model);
  SECU_TRY_VOID(q.run());
  return write_attachments(db, a);
}

Result<std::optional<AgentRow>> get_agent(Db& db, const std::string& id) {
  std::optional<AgentRow> out;
  {
    SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE id = ?1"));
    q.bind(1, id);
    SECU_TRY(bool row, q.step());
    if (!row) return out;
    out = read_row(q);
  }
  SECU_TRY_VOID(load_policy_ids(db, *out));
  return out;
}

Result<std::vector<AgentRow>> list_agents(Db& db, const std::string& org_id,
                                          const std::string& status, const PageRequest& page) {
  std::vector<AgentRow> out;
  SECU_TRY_VOID(list_page(db, kColumns, {{"org_id", org_id}, {"status", status}}, page,
                          [&](Stmt& q) -> Status {
                            out.push_back(read_row(q));
                            return {};
                          }));
  for (auto& a : out)
    SECU_TRY_VOID(load_policy_ids(db, a));
  return out;
}

Result<std::vector<AgentRow>> list_listed_agents(Db& db, const PageRequest& page) {
  std::vector<AgentRow> out;
  SECU_TRY_VOID(list_page(
      db, kColumns, {}, page,
      [&](Stmt& q) -> Status {
        out.push_back(read_row(q));
        return {};
      },
      "listed = 1 AND status = 'active'"));
  return out;
}

}  // namespace secu::store
