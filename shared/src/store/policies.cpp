#include "secu/store/policies.hpp"

#include <nlohmann/json.hpp>

#include "secu/store/list_query.hpp"

namespace secu::store {

namespace {
constexpr const char* kColumns =
    "SELECT id, org_id, name, allowed_actions, denied_path_prefixes, "
    "max_cost_per_request_micros, require_approval, approval_min_cost_micros, approval_actions, "
    "created_at, updated_at FROM policies";

std::string to_json_array(const std::vector<std::string>& v) {
  return nlohmann::json(v).dump();
}

std::vector<std::string> from_json_array(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& s : j)
    if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

PolicyRow read_row(const Stmt& q) {
  PolicyRow p;
  p.id = q.text(0);
  p.org_id = q.text(1);
  p.name = q.text(2);
  p.allowed_actions = from_json_array(q.text(3));
  p.denied_path_prefixes = from_json_array(q.text(4));
  p.max_cost_per_request_micros = q.opt_int64(5);
  p.require_approval = q.int64(6) != 0;
  p.approval_min_cost_micros = q.opt_int64(7);
  p.approval_actions = from_json_array(q.text(8));
  p.created_at = q.int64(9);
  p.updated_at = q.int64(10);
  return p;
}
}  // namespace

Status insert_policy(Db& db, const PolicyRow& p) {
  SECU_TRY(auto q, db.query("INSERT INTO policies (id, org_id, name, allowed_actions, "
                            "denied_path_prefixes, max_cost_per_request_micros, require_approval, "
                            "approval_min_cost_micros, approval_actions, created_at, updated_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  q.bind_all(p.id, p.org_id, p.name, to_json_array(p.allowed_actions),
             to_json_array(p.denied_path_prefixes), p.max_cost_per_request_micros,
             p.require_approval, p.approval_min_cost_micros, to_json_array(p.approval_actions),
             p.created_at, p.updated_at);
  return q.run();
}

Status update_policy(Db& db, const PolicyRow& p) {
  SECU_TRY(auto q, db.query("UPDATE policies SET name = ?2, allowed_actions = ?3, "
                            "denied_path_prefixes = ?4, max_cost_per_request_micros = ?5, "
                            "require_approval = ?6, approval_min_cost_micros = ?7, "
                            "approval_actions = ?8, updated_at = ?9 WHERE id = ?1"));
  q.bind_all(p.id, p.name, to_json_array(p.allowed_actions), to_json_array(p.denied_path_prefixes),
             p.max_cost_per_request_micros, p.require_approval, p.approval_min_cost_micros,
             to_json_array(p.approval_actions), p.updated_at);
  return q.run();
}

Result<std::optional<PolicyRow>> get_policy(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE id = ?1"));
  q.bind(1, id);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<PolicyRow>();
  return std::optional<PolicyRow>(read_row(q));
}

Result<std::vector<PolicyRow>> list_policies(Db& db, const std::string& org_id,
                                             const PageRequest& page) {
  std::vector<PolicyRow> out;
  SECU_TRY_VOID(list_page(db, kColumns, {{"org_id", org_id}}, page, [&](Stmt& q) -> Status {
    out.push_back(read_row(q));
    return {};
  }));
  return out;
}

Result<std::vector<PolicyRow>> policies_of_agent(Db& db, const std::string& agent_id) {
  SECU_TRY(auto q, db.query("SELECT p.id, p.org_id, p.name, p.allowed_actions, "
                            "p.denied_path_prefixes, p.max_cost_per_request_micros, "
                            "p.require_approval, p.approval_min_cost_micros, p.approval_actions, "
                            "p.created_at, p.updated_at FROM agent_policies ap "
                            "JOIN policies p ON p.id = ap.policy_id "
                            "WHERE ap.agent_id = ?1 ORDER BY ap.position"));
  q.bind(1, agent_id);
  std::vector<PolicyRow> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) return out;
    out.push_back(read_row(q));
  }
}

Result<std::vector<std::string>> missing_policies(Db& db, const std::string& org_id,
                                                  const std::vector<std::string>& ids) {
  std::vector<std::string> missing;
  SECU_TRY(auto q, db.query("SELECT 1 FROM policies WHERE id = ?1 AND org_id = ?2"));
  for (const auto& id : ids) {
    q.bind_all(id, org_id);
    SECU_TRY(bool found, q.step());
    if (!found) missing.push_back(id);
    q.reset();
  }
  return missing;
}

}  // namespace secu::store
