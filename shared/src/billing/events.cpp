#include "secu/billing.hpp"
#include "secu/clock.hpp"
#include "secu/money.hpp"

namespace secu::billing {

nlohmann::json event_json(const store::BillingEventRow& e) {
  nlohmann::json j = {{"id", e.id},
                      {"request_id", e.request_id},
                      {"org_id", e.org_id},
                      {"agent_id", e.agent_id},
                      {"key", e.key_id},
                      {"vendor_id", e.vendor_id},
                      {"action", e.action},
                      {"method", e.method},
                      {"path", e.path},
                      {"allow", e.allow},
                      {"status_code", e.status_code},
                      {"authorized_cost_usd", money::micros_to_usd(e.authorized_cost_micros)},
                      {"cost_usd", money::micros_to_usd(e.cost_micros)},
                      {"fee_usd", money::micros_to_usd(e.fee_micros)},
                      {"authorized_cost_micros", e.authorized_cost_micros},
                      {"cost_micros", e.cost_micros},
                      {"fee_micros", e.fee_micros},
                      {"metering_source", e.metering_source},
                      {"settled", e.settled},
                      {"timestamp", format_rfc3339(e.created_at)}};
  if (e.policy_id) j["policy_id"] = *e.policy_id;
  if (e.deny_reason) j["deny_reason"] = *e.deny_reason;
  if (e.approval_id) j["approval_id"] = *e.approval_id;
  if (e.error_code) j["error_code"] = *e.error_code;
  return j;
}

}  // namespace secu::billing
