#include "secu/clock.hpp"
#include "secu/governance.hpp"

namespace secu::governance {

namespace {

// A glob: printable, no whitespace at the ends, at most 256 characters.
bool valid_glob(const std::string& g) {
  if (g.empty() || g.size() > 256) return false;
  if (g.front() == ' ' || g.back() == ' ') return false;
  for (unsigned char c : g)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

nlohmann::json summary(const store::PolicyRow& p) {
  nlohmann::json j = {{"name", p.name},
                      {"allowed_actions", p.allowed_actions},
                      {"denied_path_prefixes", p.denied_path_prefixes},
                      {"require_approval", p.require_approval},
                      {"approval_actions", p.approval_actions}};
  if (p.max_cost_per_request_micros)
    j["max_cost_per_request_micros"] = *p.max_cost_per_request_micros;
  if (p.approval_min_cost_micros) j["approval_min_cost_micros"] = *p.approval_min_cost_micros;
  return j;
}

audit::Entry entry(const audit::Entry& base, const store::PolicyRow& p, const char* action,
                   nlohmann::json details) {
  audit::Entry e = base;
  e.org_id = p.org_id;
  e.action = action;
  e.target = p.id;
  e.details = std::move(details);
  return e;
}

}  // namespace

Status validate_policy(const store::PolicyRow& p) {
  if (p.name.empty() || p.name.size() > 200) {
    return Error::invalid("name must be 1 to 200 characters", "name");
  }
  for (const auto& a : p.allowed_actions)
    if (!valid_glob(a))
      return Error::invalid("allowed_actions holds an empty or malformed pattern",
                            "allowed_actions");
  for (const auto& a : p.approval_actions)
    if (!valid_glob(a))
      return Error::invalid("approval_actions holds an empty or malformed pattern",
                            "approval_actions");
  for (const auto& prefix : p.denied_path_prefixes) {
    if (prefix.empty() || prefix.front() != '/' || prefix.size() > 1024) {
      return Error::invalid("each denied_path_prefixes entry must start with /",
                            "denied_path_prefixes");
    }
  }
  if (p.max_cost_per_request_micros && *p.max_cost_per_request_micros < 0)
    return Error::invalid("max_cost_per_request must not be negative", "max_cost_per_request");
  if (p.approval_min_cost_micros && *p.approval_min_cost_micros < 0)
    return Error::invalid("approval_min_cost must not be negative", "approval_min_cost");
  return {};
}

Result<store::PolicyRow> create_policy(store::WriteTx& tx, store::PolicyRow p,
                                       const audit::Entry& base) {
  SECU_TRY_VOID(validate_policy(p));
  p.id = crypto::random_id("pol");
  p.created_at = p.updated_at = now_ms();
  SECU_TRY_VOID(store::insert_policy(tx.db, p));
  SECU_TRY_VOID(audit::append(tx, entry(base, p, "policy.create", summary(p))));
  return p;
}

Result<store::PolicyRow> update_policy(store::WriteTx& tx, const std::string& scope_org,
                                       const std::string& policy_id,
                                       const std::function<void(store::PolicyRow&)>& apply,
                                       const audit::Entry& base) {
  SECU_TRY(auto found, store::get_policy(tx.db, policy_id));
  if (!found || (!scope_org.empty() && found->org_id != scope_org))
    return Error::not_found("policy");
  store::PolicyRow p = std::move(*found);
  const auto before = summary(p);
  apply(p);
  SECU_TRY_VOID(validate_policy(p));
  p.updated_at = now_ms();
  SECU_TRY_VOID(store::update_policy(tx.db, p));
  SECU_TRY_VOID(audit::append(
      tx, entry(base, p, "policy.update", {{"before", before}, {"after", summary(p)}})));
  return p;
}

policy::Policy policy_of(const store::PolicyRow& p) {
  policy::Policy out;
  out.id = p.id;
  out.name = p.name;
  out.allowed_actions = p.allowed_actions;
  out.denied_path_prefixes = p.denied_path_prefixes;
  out.max_cost_per_request_micros = p.max_cost_per_request_micros;
  out.require_approval = p.require_approval;
  out.approval_min_cost_micros = p.approval_min_cost_micros;
  out.approval_actions = p.approval_actions;
  return out;
}

}  // namespace secu::governance
