// Human approvals of gateway requests: decisions by approvers, expiry, the kill-switch's
// cancellation, and the Approval's JSON shape.
//
// Lifecycle: the gateway creates a pending approval (secu/gateway_core.hpp) with expires_at =
// created + approval_ttl. An approver+ of its org (or the platform admin) approves or denies
// it once (a second decision → 409 approval_decided); approving moves expires_at to decided +
// approval_ttl, the deadline for the agent's retry to use the grant (once). A pending approval
// past its deadline reads as "expired" at once (effective_status) and is written so by the
// periodic sweep (expire_lapsed); deciding it then answers 409 approval_expired. A kill-switch
// cancels the agent's pending approvals in its own write job (status "cancelled").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "secu/audit.hpp"
#include "secu/store.hpp"
#include "secu/store/approvals.hpp"

namespace secu::approvals {

struct DecideInput {
  std::string scope_org;  // "" = any org (platform admin)
  std::string approval_id;
  bool approve = false;
  std::optional<std::string> reason;
  std::string decided_by;  // the actor id
  int64_t now_ms = 0;
  int64_t grant_ttl_ms = 900'000;
};

struct DecideResult {
  store::ApprovalRow row;
  // Set when the decision was refused (409) but the job still wrote something worth keeping
  // (a lapsed approval marked expired). The caller answers it after the commit.
  std::optional<Error> refused;
};

// Approves or denies. not_found outside scope_org; the audit entry is approval.approve /
// approval.deny (approval.expire when it had lapsed).
Result<DecideResult> decide(store::WriteTx& tx, const DecideInput& in, const audit::Entry& base);

// The kill-switch: every pending approval of the agent becomes "cancelled", each audited
// (approval.cancel). Returns how many.
Result<int64_t> cancel_pending_of_agent(store::WriteTx& tx, const std::string& agent_id,
                                        const audit::Entry& base);

// The sweep: up to `limit` pending approvals past their deadline become "expired", each
// audited (approval.expire, actor system). Returns how many.
Result<int64_t> expire_lapsed(store::WriteTx& tx, int64_t now_ms, int64_t limit,
                              const audit::Entry& base);

// "expired" for a pending approval whose deadline passed, else the stored status.
std::string effective_status(const store::ApprovalRow& a, int64_t now_ms);
// Whether a status filter value is one of the statuses (pending, approved, denied, expired,
// cancelled).
bool valid_status(std::string_view s);

// The Approval of the contract (id, org_id, key, agent_id, action, method, path, cost_usd,
// policy_id, status, created_at, decided_at, expires_at) plus vendor_id, trigger, decided_by,
// reason and used_at; absent values left out.
nlohmann::json approval_json(const store::ApprovalRow& a, int64_t now_ms);

}  // namespace secu::approvals
