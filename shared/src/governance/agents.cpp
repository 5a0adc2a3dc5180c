#include <algorithm>

#include "secu/approvals.hpp"
#include "secu/clock.hpp"
#include "secu/governance.hpp"
#include "secu/money.hpp"
#include "secu/store/org_lookup.hpp"

namespace secu::governance {

namespace {

Result<store::AgentRow> load_visible(store::Db& db, const std::string& scope_org,
                                     const std::string& agent_id) {
  SECU_TRY(auto row, store::get_agent(db, agent_id));
  if (!row || (!scope_org.empty() && row->org_id != scope_org)) return Error::not_found("agent");
  return std::move(*row);
}

Status check_policies(store::Db& db, const std::string& org_id,
                      const std::vector<std::string>& ids) {
  SECU_TRY(auto missing, store::missing_policies(db, org_id, ids));
  if (!missing.empty()) {
    Error e = Error::not_found("policy " + missing.front());
    e.field = "policy_ids";
    return e;
  }
  return {};
}

audit::Entry entry(const audit::Entry& base, const store::AgentRow& a, const char* action,
                   nlohmann::json details) {
  audit::Entry e = base;
  e.org_id = a.org_id;
  e.action = action;
  e.target = a.id;
  e.details = std::move(details);
  return e;
}

nlohmann::json summary(const store::AgentRow& a) {
  nlohmann::json j = {{"name", a.name}, {"status", a.status}, {"policy_ids", a.policy_ids}};
  if (a.daily_budget_micros) j["daily_budget_micros"] = *a.daily_budget_micros;
  if (a.listed) j["listed"] = true;
  if (a.price_micros) j["price_micros"] = *a.price_micros;
  if (a.pricing_model) j["pricing_model"] = *a.pricing_model;
  return j;
}

}  // namespace

Result<store::AgentRow> create_agent(store::WriteTx& tx, const std::string& org_id,
                                     const AgentChange& in, const audit::Entry& base) {
  store::AgentRow a;
  a.id = crypto::random_id("agt");
  a.org_id = org_id;
  a.name = in.name.value_or("");
  a.policy_ids = in.policy_ids.value_or(std::vector<std::string>{});
  for (const auto& p : in.attach_policy_ids)
    if (std::find(a.policy_ids.begin(), a.policy_ids.end(), p) == a.policy_ids.end())
      a.policy_ids.push_back(p);
  SECU_TRY_VOID(check_policies(tx.db, org_id, a.policy_ids));
  if (in.daily_budget_micros) {
    a.daily_budget_micros = in.daily_budget_micros;
  } else {
    SECU_TRY(a.daily_budget_micros, store::org_default_budget(tx.db, org_id));
  }
  a.created_at = a.updated_at = now_ms();
  SECU_TRY_VOID(store::insert_agent(tx.db, a));
  SECU_TRY_VOID(audit::append(tx, entry(base, a, "agent.create", summary(a))));
  return a;
}

Result<store::AgentRow> update_agent(store::WriteTx& tx, const std::string& scope_org,
                                     const std::string& agent_id, const AgentChange& in,
                                     const audit::Entry& base) {
  SECU_TRY(auto a, load_visible(tx.db, scope_org, agent_id));
  const auto before = summary(a);
  if (in.name) a.name = *in.name;
  if (in.daily_budget_micros) a.daily_budget_micros = in.daily_budget_micros;
  if (in.policy_ids) a.policy_ids = *in.policy_ids;
  for (const auto& p : in.attach_policy_ids)
    if (std::find(a.policy_ids.begin(), a.policy_ids.end(), p) == a.policy_ids.end())
      a.policy_ids.push_back(p);
  for (const auto& p : in.detach_policy_ids)
    a.policy_ids.erase(std::remove(a.policy_ids.begin(), a.policy_ids.end(), p),
                       a.policy_ids.end());
  SECU_TRY_VOID(check_policies(tx.db, a.org_id, a.policy_ids));
  if (in.pricing_model) {
    if (*in.pricing_model != "per_call" && *in.pricing_model != "per_day" &&
        *in.pricing_model != "fixed") {
      return Error::invalid("pricing_model must be per_call, per_day or fixed", "pricing_model");
    }
    a.pricing_model = in.pricing_model;
  }
  if (in.price_micros) a.price_micros = in.price_micros;
  if (in.listed) a.listed = *in.listed;
  if (a.listed && (!a.price_micros || !a.pricing_model)) {
    return Error::invalid("a listed agent needs a price and a pricing_model",
                          a.price_micros ? "pricing_model" : "price");
  }
  a.updated_at = now_ms();
  SECU_TRY_VOID(store::update_agent(tx.db, a));
  SECU_TRY_VOID(audit::append(
      tx, entry(base, a, "agent.update", {{"before", before}, {"after", summary(a)}})));
  return a;
}

Result<KillResult> kill_agent(store::WriteTx& tx, const std::string& scope_org,
                              const std::string& agent_id, const audit::Entry& base) {
  SECU_TRY(auto a, load_visible(tx.db, scope_org, agent_id));
  KillResult r;
  r.already_disabled = a.status == "disabled";
  if (!r.already_disabled) {
    a.status = "disabled";
    a.disabled_at = a.updated_at = now_ms();
    SECU_TRY_VOID(store::update_agent(tx.db, a));
  }
  // A repeated kill is recorded too: the operator pressed the switch.
  SECU_TRY_VOID(
      audit::append(tx, entry(base, a, "agent.kill", {{"already_disabled", r.already_disabled}})));
  // Its pending approvals die with it, in this same job (DESIGN.md, kill-switch).
  SECU_TRY_VOID(approvals::cancel_pending_of_agent(tx, a.id, base));
  r.agent = std::move(a);
  return r;
}

Result<store::AgentRow> enable_agent(store::WriteTx& tx, const std::string& scope_org,
                                     const std::string& agent_id, const audit::Entry& base) {
  SECU_TRY(auto a, load_visible(tx.db, scope_org, agent_id));
  const bool was_disabled = a.status == "disabled";
  if (was_disabled) {
    a.status = "active";
    a.disabled_at.reset();
    a.updated_at = now_ms();
    SECU_TRY_VOID(store::update_agent(tx.db, a));
  }
  SECU_TRY_VOID(
      audit::append(tx, entry(base, a, "agent.enable", {{"was_disabled", was_disabled}})));
  return a;
}

}  // namespace secu::governance
