#include <nlohmann/json.hpp>

#include "secu/clock.hpp"
#include "secu/gateway_core.hpp"

namespace secu::gateway_core {

Error denial_error(const DecisionResult& r) {
  Error e = Error::make(r.status == 401 ? ErrorKind::kUnauthenticated : ErrorKind::kForbidden,
                        r.code, r.message);
  if (!r.policy_id.empty()) e.extra["policy_id"] = r.policy_id;
  if (!r.deny_reason.empty()) e.extra["deny_reason"] = r.deny_reason;
  if (!r.approval_id.empty()) e.extra["approval_id"] = r.approval_id;
  e.extra["event_id"] = r.event_id;
  return e;
}

nlohmann::json pending_json(const DecisionResult& r) {
  nlohmann::json body = {{"status", "pending_approval"},
                         {"approval_id", r.approval_id},
                         {"expires_at", format_rfc3339(r.approval_expires_at)},
                         {"approval_reason", r.approval_reason},
                         {"event_id", r.event_id}};
  if (!r.policy_id.empty()) body["policy_id"] = r.policy_id;
  return body;
}

}  // namespace secu::gateway_core
