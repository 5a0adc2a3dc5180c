#include "secu/governance_render.hpp"

#include <nlohmann/json.hpp>

#include "secu/clock.hpp"
#include "secu/governance.hpp"
#include "secu/money.hpp"

namespace secu::governance {

nlohmann::json agent_json(const store::AgentRow& a) {
  nlohmann::json j = {{"id", a.id},
                      {"org_id", a.org_id},
                      {"name", a.name},
                      {"status", a.status},
                      {"policy_ids", a.policy_ids},
                      {"created_at", format_rfc3339(a.created_at)},
                      {"updated_at", format_rfc3339(a.updated_at)}};
  if (a.daily_budget_micros) j["daily_budget"] = money::micros_to_usd(*a.daily_budget_micros);
  if (a.disabled_at) j["disabled_at"] = format_rfc3339(*a.disabled_at);
  j["listed"] = a.listed;
  if (a.price_micros) j["price"] = money::micros_to_usd(*a.price_micros);
  if (a.pricing_model) j["pricing_model"] = *a.pricing_model;
  return j;
}

nlohmann::json policy_json(const store::PolicyRow& p) {
  nlohmann::json j = {{"id", p.id},
                      {"org_id", p.org_id},
                      {"name", p.name},
                      {"allowed_actions", p.allowed_actions},
                      {"denied_path_prefixes", p.denied_path_prefixes},
                      {"require_approval", p.require_approval},
                      {"approval_actions", p.approval_actions},
                      {"created_at", format_rfc3339(p.created_at)},
                      {"updated_at", format_rfc3339(p.updated_at)}};
  if (p.max_cost_per_request_micros)
    j["max_cost_per_request"] = money::micros_to_usd(*p.max_cost_per_request_micros);
  if (p.approval_min_cost_micros)
    j["approval_min_cost"] = money::micros_to_usd(*p.approval_min_cost_micros);
  return j;
}

nlohmann::json vendor_json(const store::VendorRow& v) {
  nlohmann::json j = {{"id", v.id},
                      {"org_id", v.org_id},
                      {"name", v.name},
                      {"base_url", v.base_url},
                      {"auth_type", v.auth_type},
                      {"api_key", masked_api_key(v)},
                      {"created_at", format_rfc3339(v.created_at)},
                      {"updated_at", format_rfc3339(v.updated_at)}};
  if (v.header_name) j["header_name"] = *v.header_name;
  if (v.deleted_at) j["deleted_at"] = format_rfc3339(*v.deleted_at);
  return j;
}

nlohmann::json key_json(const store::KeyRow& k) {
  nlohmann::json j = {{"id", k.id},
                      {"org_id", k.org_id},
                      {"agent_id", k.agent_id},
                      {"prefix", k.prefix},
                      {"status", k.revoked_at         ? "revoked"
                                 : k.usable(now_ms()) ? "active"
                                                      : "expired"},
                      {"created_at", format_rfc3339(k.created_at)}};
  if (!k.vendor_id.empty()) j["vendor_id"] = k.vendor_id;  // a payer key has none
  if (k.revoked_at) j["revoked_at"] = format_rfc3339(*k.revoked_at);
  if (k.last_used_at) j["last_used_at"] = format_rfc3339(*k.last_used_at);
  if (k.expires_at) j["expires_at"] = format_rfc3339(*k.expires_at);
  if (k.rotated_to) j["rotated_to"] = *k.rotated_to;
  return j;
}

}  // namespace secu::governance
