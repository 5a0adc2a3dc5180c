// The gateway's decision and settlement, as write jobs (DESIGN.md "The gateway"). The policy
// verdict is computed before the job from the agent's policies (pure, secu/policy.hpp); what
// must be exact against concurrent requests and a kill-switch — the agent's status, the key's
// revocation, the budget and the approval grant — is read and changed inside ONE write job,
// on the store's single writer, so it is serialised with every other write:
//
//   key valid (401) → agent active (403 agent_disabled) → policy verdict (403 policy_denied)
//   → budget: spent + reserved + asked ≤ daily budget, the UTC day (403 budget_exceeded)
//   → approval: ride an approved, unused, unexpired grant whose digest is this request's,
//     else 202 with a pending approval (a pending one for this same request is reused)
//   → allowed: the asked cost is reserved on the agent's budget row of the day.
//
// Every decision inserts one billing event and appends one audit entry in the same job. An
// allowed event starts with cost = the authorised cost (metering_source "pending") and is
// settled once the stream ended: the reservation becomes the metered cost (the vendor's
// X-Secu-Cost-USD → "vendor_header", else the authorised cost → "declared"; no upstream
// answer → 0, "none") and the fee is computed on it.
//
// Agents without a daily budget are not limited (their spending is still tracked per day):
// the org's default budget is applied when an agent is created, so "no budget" is an explicit
// operator choice.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "secu/audit.hpp"
#include "secu/billing_math.hpp"
#include "secu/policy.hpp"
#include "secu/store.hpp"
#include "secu/store/billing_events.hpp"

namespace secu::gateway_core {

struct DecisionInput {
  std::string org_id;
  std::string agent_id;
  std::string key_id;
  std::string vendor_id;
  std::string request_id;
  std::string method;  // upper case, as received
  std::string path;    // normalised
  int64_t cost_micros = 0;
  policy::Decision policy;                 // policy::evaluate of the agent's policies
  std::string digest;                      // policy::request_digest; needed for approvals
  std::optional<std::string> approval_id;  // X-Secu-Approval-Id
  billing::FeeSchedule fees;               // the org's effective schedule
  int64_t approval_ttl_ms = 900'000;
  int64_t now_ms = 0;
};

enum class Verdict { kAllow, kDeny, kPending };

struct DecisionResult {
  Verdict verdict = Verdict::kDeny;
  int status = 403;         // 401/403 for denials, 202 pending, 200 allowed (until settled)
  std::string code;         // denials: unauthenticated | agent_disabled | policy_denied |
                            //          budget_exceeded | approval_denied
  std::string message;      // safe to show to the agent
  std::string policy_id;    // the deciding policy, when one decided
  std::string deny_reason;  // denials: no_policy, path_denied, budget_exceeded, …
  std::string event_id;
  std::string approval_id;  // pending, or the grant that was used
  std::string approval_reason;
  int64_t approval_expires_at = 0;
  bool approval_created = false;
  int64_t reserved_micros = 0;  // allowed: what was reserved (the authorised cost)
};

// Decides one request (see above). Errors only for storage failures: the job then rolls back.
// `base` carries the request id; the actor is the agent.
Result<DecisionResult> decide(store::WriteTx& tx, const DecisionInput& in,
                              const audit::Entry& base);

struct SettleInput {
  std::string event_id;
  int status_code = 0;                    // what the agent was sent
  bool upstream_answered = false;         // a response (any status) came from the vendor
  std::optional<int64_t> metered_micros;  // the vendor's X-Secu-Cost-USD, parsed
  std::string error_code;                 // "" when the stream completed
  billing::FeeSchedule fees;
};

// Settles an allowed event (idempotent: an event settled already is left alone).
Status settle(store::WriteTx& tx, const SettleInput& in);

// Settles up to `limit` events a crash left unsettled: the authorised cost counts as spent
// (the request may have reached the vendor) with the fee it was decided with, error_code
// "settlement_lost". Call at start, before any request is served. Returns how many.
Result<int64_t> settle_orphans(store::WriteTx& tx, int64_t limit);

// How a decision answers, the same for the gateway and transfers: a deny as its error (401 or
// 403 with the policy, reason and event), a pending one as the 202 body naming the approval.
Error denial_error(const DecisionResult& r);
nlohmann::json pending_json(const DecisionResult& r);

}  // namespace secu::gateway_core
