// One gateway decision as a write job: see secu/gateway_core.hpp for the order and the rules.
#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/gateway_core.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/approvals.hpp"
#include "secu/store/keys.hpp"

namespace secu::gateway_core {

namespace {

constexpr int64_t kHourMs = 3'600'000;
// last_used_at is refreshed at most once a second per key: a busy key would otherwise rewrite
// its row on every request for a value nobody reads more precisely.
constexpr int64_t kTouchEveryMs = 1000;

DecisionResult deny(int status, std::string code, std::string deny_reason, std::string message,
                    std::string policy_id = {}) {
  DecisionResult r;
  r.verdict = Verdict::kDeny;
  r.status = status;
  r.code = std::move(code);
  r.deny_reason = std::move(deny_reason);
  r.message = std::move(message);
  r.policy_id = std::move(policy_id);
  return r;
}

const char* outcome_name(Verdict v) {
  switch (v) {
    case Verdict::kAllow:
      return "allow";
    case Verdict::kPending:
      return "pending_approval";
    case Verdict::kDeny:
      return "deny";
  }
  return "deny";
}

// What to do with the grant the agent named, if any.
enum class Grant { kNone, kUse, kStillPending, kDenied };

Result<Grant> check_grant(store::Db& db, const DecisionInput& in,
                          std::optional<store::ApprovalRow>& row) {
  if (!in.approval_id || in.approval_id->empty()) return Grant::kNone;
  SECU_TRY(row, store::get_approval(db, *in.approval_id));
  // Another agent's approval, or another request's, is as good as none: it never rides.
  if (!row || row->agent_id != in.agent_id || row->digest != in.digest) return Grant::kNone;
  const bool live = row->expires_at > in.now_ms;
  if (row->status == "approved" && !row->used_at && live) return Grant::kUse;
  if (row->status == "pending" && live) return Grant::kStillPending;
  if (row->status == "denied") return Grant::kDenied;
  return Grant::kNone;  // used, expired or cancelled: ask again
}

Result<DecisionResult> decide_inner(store::WriteTx& tx, const DecisionInput& in,
                                    std::optional<store::KeyRow>& key) {
  SECU_TRY(key, store::get_key(tx.db, in.key_id));
  if (!key || !key->usable(in.now_ms) || key->agent_id != in.agent_id) {
    return deny(401, "unauthenticated", "key_revoked", "the key is revoked");
  }
  SECU_TRY(auto agent, store::get_agent(tx.db, in.agent_id));
  if (!agent || agent->status != "active") {
    return deny(403, "agent_disabled", "agent_disabled", "the agent is disabled");
  }
  if (in.policy.outcome == policy::Outcome::kDeny) {
    return deny(403, "policy_denied", in.policy.deny_reason, in.policy.message,
                in.policy.policy_id);
  }
  const int64_t day = billing::utc_day(in.now_ms).start_ms;
  if (agent->daily_budget_micros) {
    SECU_TRY(auto used, store::budget_day(tx.db, in.agent_id, day));
    const billing::BudgetState b{*agent->daily_budget_micros, used.spent_micros,
                                 used.reserved_micros};
    if (!billing::budget_admits(b, in.cost_micros)) {
      return deny(403, "budget_exceeded", "budget_exceeded",
                  "the agent's daily budget does not cover this request");
    }
  }

  DecisionResult r;
  if (in.policy.outcome == policy::Outcome::kApprovalRequired) {
    std::optional<store::ApprovalRow> grant;
    SECU_TRY(auto g, check_grant(tx.db, in, grant));
    if (g == Grant::kUse) {
      SECU_TRY(bool used, store::use_approval(tx.db, grant->id, in.now_ms, in.request_id));
      if (!used) g = Grant::kNone;  // cannot happen on the single writer; never ride twice
      r.approval_id = grant->id;
    }
    if (g == Grant::kDenied) {
      auto d = deny(403, "approval_denied", "approval_denied", "an approver denied this request",
                    grant->policy_id);
      d.approval_id = grant->id;
      return d;
    }
    if (g == Grant::kStillPending) {
      r.verdict = Verdict::kPending;
      r.status = 202;
      r.approval_id = grant->id;
      r.approval_reason = grant->trigger_reason;
      r.approval_expires_at = grant->expires_at;
      r.policy_id = grant->policy_id;
      return r;
    }
    if (g == Grant::kNone) {
      store::ApprovalRow a;
      a.id = crypto::random_id("apr");
      a.org_id = in.org_id;
      a.agent_id = in.agent_id;
      a.key_id = in.key_id;
      a.vendor_id = in.vendor_id;
      a.action = in.policy.action;
      a.method = in.method;
      a.path = in.path;
      a.cost_micros = in.cost_micros;
      a.policy_id = in.policy.policy_id;
      a.trigger_reason = in.policy.approval_reason;
      a.digest = in.digest;
      a.request_id = in.request_id;
      a.created_at = in.now_ms;
      a.expires_at = in.now_ms + in.approval_ttl_ms;
      SECU_TRY_VOID(store::insert_approval(tx.db, a));
      r.verdict = Verdict::kPending;
      r.status = 202;
      r.approval_id = a.id;
      r.approval_reason = a.trigger_reason;
      r.approval_expires_at = a.expires_at;
      r.approval_created = true;
      r.policy_id = a.policy_id;
      return r;
    }
  }
  r.verdict = Verdict::kAllow;
  r.status = 200;
  r.reserved_micros = in.cost_micros;
  SECU_TRY_VOID(store::add_to_budget_day(tx.db, in.agent_id, day, 0, in.cost_micros));
  return r;
}

}  // namespace

Result<DecisionResult> decide(store::WriteTx& tx, const DecisionInput& in,
                              const audit::Entry& base) {
  std::optional<store::KeyRow> key;
  SECU_TRY(auto r, decide_inner(tx, in, key));

  store::BillingEventRow e;
  e.id = crypto::random_id("evt");
  e.org_id = in.org_id;
  e.agent_id = in.agent_id;
  e.key_id = in.key_id;
  e.vendor_id = in.vendor_id;
  e.request_id = in.request_id;
  e.action = in.policy.action;
  e.method = in.method;
  e.path = in.path;
  e.allow = r.verdict == Verdict::kAllow;
  e.status_code = e.allow ? 0 : r.status;  // allowed: the vendor's status, once settled
  e.authorized_cost_micros = in.cost_micros;
  e.cost_micros = e.allow ? in.cost_micros : 0;
  e.fee_micros = billing::fee_micros(in.fees, e.cost_micros, e.allow);
  if (!r.policy_id.empty()) e.policy_id = r.policy_id;
  if (r.verdict == Verdict::kDeny) e.deny_reason = r.deny_reason;
  if (r.verdict == Verdict::kPending) e.deny_reason = "approval_required";
  if (!r.approval_id.empty()) e.approval_id = r.approval_id;
  e.metering_source = e.allow ? "pending" : "none";
  e.settled = !e.allow;
  e.day = billing::utc_day(in.now_ms).start_ms;
  e.hour = in.now_ms - (in.now_ms % kHourMs + kHourMs) % kHourMs;
  e.created_at = in.now_ms;
  SECU_TRY_VOID(store::insert_billing_event(tx.db, e));
  r.event_id = e.id;

  audit::Entry a = base;
  a.org_id = in.org_id;
  a.actor = {"agent", in.agent_id};
  a.action = "gateway.decision";
  a.target = in.agent_id;
  a.details = {{"event_id", e.id},
               {"outcome", outcome_name(r.verdict)},
               {"status_code", r.status},
               {"key_id", in.key_id},
               {"vendor_id", in.vendor_id},
               {"method", in.method},
               {"path", in.path},
               {"action", e.action},
               {"cost_micros", in.cost_micros}};
  if (!r.policy_id.empty()) a.details["policy_id"] = r.policy_id;
  if (e.deny_reason) a.details["deny_reason"] = *e.deny_reason;
  if (!r.approval_id.empty()) a.details["approval_id"] = r.approval_id;
  SECU_TRY_VOID(audit::append(tx, a));

  if (key && (!key->last_used_at || in.now_ms - *key->last_used_at >= kTouchEveryMs)) {
    SECU_TRY_VOID(store::touch_key(tx.db, in.key_id, in.now_ms));
  }
  return r;
}

}  // namespace secu::gateway_core
