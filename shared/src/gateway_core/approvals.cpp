#include "secu/approvals.hpp"

#include "secu/clock.hpp"
#include "secu/money.hpp"

namespace secu::approvals {

namespace {

audit::Entry entry(const audit::Entry& base, const store::ApprovalRow& a, const char* action,
                   nlohmann::json details) {
  audit::Entry e = base;
  e.org_id = a.org_id;
  e.action = action;
  e.target = a.id;
  e.details = std::move(details);
  e.details["agent_id"] = a.agent_id;
  return e;
}

// Moves one pending approval to expired/cancelled with its audit entry; false when it was no
// longer pending.
Result<bool> close_pending(store::WriteTx& tx, store::ApprovalRow& a, const char* status,
                           const char* action, int64_t now_ms, const audit::Entry& base) {
  SECU_TRY(bool changed, store::decide_approval(tx.db, a.id, status, now_ms, std::nullopt,
                                                std::nullopt, a.expires_at));
  if (!changed) return false;
  a.status = status;
  a.decided_at = now_ms;
  SECU_TRY_VOID(audit::append(tx, entry(base, a, action, nlohmann::json::object())));
  return true;
}

}  // namespace

std::string effective_status(const store::ApprovalRow& a, int64_t now_ms) {
  if (a.status == "pending" && a.expires_at <= now_ms) return "expired";
  return a.status;
}

bool valid_status(std::string_view s) {
  return s == "pending" || s == "approved" || s == "denied" || s == "expired" || s == "cancelled";
}

Result<DecideResult> decide(store::WriteTx& tx, const DecideInput& in, const audit::Entry& base) {
  SECU_TRY(auto found, store::get_approval(tx.db, in.approval_id));
  if (!found || (!in.scope_org.empty() && found->org_id != in.scope_org)) {
    return Error::not_found("approval");
  }
  DecideResult out;
  out.row = std::move(*found);
  auto& a = out.row;
  if (a.status == "pending" && a.expires_at <= in.now_ms) {
    SECU_TRY_VOID(close_pending(tx, a, "expired", "approval.expire", in.now_ms, base));
    out.refused = Error::conflict("approval_expired", "the approval expired before a decision");
    return out;
  }
  if (a.status != "pending") {
    out.refused = Error::conflict("approval_decided", "the approval is already " + a.status);
    return out;
  }
  const char* status = in.approve ? "approved" : "denied";
  const int64_t expires = in.approve ? in.now_ms + in.grant_ttl_ms : a.expires_at;
  SECU_TRY(bool changed, store::decide_approval(tx.db, a.id, status, in.now_ms, in.decided_by,
                                                in.reason, expires));
  if (!changed) {
    out.refused = Error::conflict("approval_decided", "the approval is already decided");
    return out;
  }
  a.status = status;
  a.decided_at = in.now_ms;
  a.decided_by = in.decided_by;
  a.reason = in.reason;
  a.expires_at = expires;
  nlohmann::json details = {{"cost_micros", a.cost_micros}, {"method", a.method}, {"path", a.path}};
  if (in.reason) details["reason"] = *in.reason;
  SECU_TRY_VOID(audit::append(
      tx, entry(base, a, in.approve ? "approval.approve" : "approval.deny", std::move(details))));
  return out;
}

Result<int64_t> cancel_pending_of_agent(store::WriteTx& tx, const std::string& agent_id,
                                        const audit::Entry& base) {
  SECU_TRY(auto rows, store::pending_approvals_of_agent(tx.db, agent_id));
  const int64_t now = now_ms();
  int64_t n = 0;
  for (auto& a : rows) {
    SECU_TRY(bool changed, close_pending(tx, a, "cancelled", "approval.cancel", now, base));
    if (changed) ++n;
  }
  return n;
}

Result<int64_t> expire_lapsed(store::WriteTx& tx, int64_t now_ms, int64_t limit,
                              const audit::Entry& base) {
  SECU_TRY(auto rows, store::lapsed_pending_approvals(tx.db, now_ms, limit));
  int64_t n = 0;
  for (auto& a : rows) {
    SECU_TRY(bool changed, close_pending(tx, a, "expired", "approval.expire", now_ms, base));
    if (changed) ++n;
  }
  return n;
}

nlohmann::json approval_json(const store::ApprovalRow& a, int64_t now_ms) {
  nlohmann::json j = {{"id", a.id},
                      {"org_id", a.org_id},
                      {"key", a.key_id},
                      {"agent_id", a.agent_id},
                      {"vendor_id", a.vendor_id},
                      {"action", a.action},
                      {"method", a.method},
                      {"path", a.path},
                      {"cost_usd", money::micros_to_usd(a.cost_micros)},
                      {"status", effective_status(a, now_ms)},
                      {"trigger", a.trigger_reason},
                      {"created_at", format_rfc3339(a.created_at)},
                      {"expires_at", format_rfc3339(a.expires_at)}};
  if (!a.policy_id.empty()) j["policy_id"] = a.policy_id;
  if (a.decided_at) j["decided_at"] = format_rfc3339(*a.decided_at);
  if (a.decided_by) j["decided_by"] = *a.decided_by;
  if (a.reason) j["reason"] = *a.reason;
  if (a.used_at) j["used_at"] = format_rfc3339(*a.used_at);
  return j;
}

}  // namespace secu::approvals
