// A transfer: governance, the ledger and the rail (see secu/tx.hpp for the two shapes).
#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/ledger.hpp"
#include "secu/store/agents.hpp"
#include "secu/tx.hpp"

namespace secu::tx {

namespace {

constexpr const char* kPath = "/v1/tx/transfer";
constexpr int64_t kExpireBatch = 16;

std::string_view settlement_account(const std::string& rail) {
  return rail == "stripe" ? ledger::kStripeSettlement : ledger::kX402Settlement;
}

store::TransferRow new_row(const TransferContext& ctx, const TransferRequest& req,
                           const std::string& body_hash, int64_t now) {
  store::TransferRow t;
  t.id = crypto::random_id("tx");
  t.org_id = ctx.org_id;
  t.kind = "transfer";
  t.rail = req.rail;
  t.currency = req.currency;
  t.amount = req.amount;
  t.amount_micros = req.amount_micros.value_or(0);
  t.from_agent_id = ctx.agent_id;
  t.to_agent_id = req.to_agent_id;
  t.to_address = req.to_address;
  t.network = req.network;
  t.asset = req.asset;
  t.mandate_id = req.mandate_id;
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& [k, v] : req.metadata)
    meta[k] = v;
  t.metadata = meta.dump();
  t.idempotency_key = req.idempotency_key;
  t.body_hash = body_hash;
  t.actor_type = "agent";
  t.actor_id = ctx.agent_id;
  t.request_id = ctx.request_id;
  t.created_at = now;
  t.updated_at = now;
  return t;
}

audit::Entry transfer_audit(const TransferContext& ctx, const store::TransferRow& t,
                            const char* action) {
  audit::Entry a;
  a.org_id = ctx.org_id;
  a.actor = {"agent", ctx.agent_id};
  a.action = action;
  a.target = t.id;
  a.request_id = ctx.request_id;
  a.details = {{"status", t.status},
               {"rail", t.rail},
               {"currency", t.currency},
               {"amount", t.amount},
               {"amount_micros", t.amount_micros},
               {"fee_micros", t.fee_micros},
               {"from_wallet_id", t.from_account_id},
               {"to_wallet_id", t.to_account_id}};
  if (t.to_agent_id) a.details["to_agent_id"] = *t.to_agent_id;
  if (t.to_address) a.details["to_address"] = *t.to_address;
  if (t.mandate_id) a.details["mandate_id"] = *t.mandate_id;
  if (t.event_id) a.details["event_id"] = *t.event_id;
  if (t.external_ref) a.details["external_ref"] = *t.external_ref;
  if (t.failure_code) a.details["failure_code"] = *t.failure_code;
  return a;
}

}  // namespace

Result<TransferOutcome> transfer(store::Store& st, const TransferContext& ctx,
                                 const TransferRequest& req, Rail* rail) {
  const bool internal = req.rail == "internal";
  if (!internal && rail == nullptr) {
    return Error::make(ErrorKind::kInvalid, "rail_not_configured",
                       "the " + req.rail + " rail is not configured on this server");
  }
  if (internal && req.to_agent_id == ctx.agent_id) {
    return Error::invalid("an agent cannot pay itself", "to_agent_id");
  }
  const std::string body_hash =
      crypto::hex_encode(crypto::sha256(std::string("tx.transfer\n") + req.canonical_body));

  gateway_core::DecisionInput in;
  in.org_id = ctx.org_id;
  in.agent_id = ctx.agent_id;
  in.key_id = ctx.key_id;
  in.vendor_id = ctx.vendor_id;
  in.request_id = ctx.request_id;
  in.method = "POST";
  in.path = kPath;
  in.cost_micros = req.amount_micros.value_or(0);
  in.policy = ctx.policy;
  in.approval_id = ctx.approval_id;
  in.fees = ctx.fees;
  in.approval_ttl_ms = ctx.approval_ttl_ms;
  if (ctx.policy.outcome == policy::Outcome::kApprovalRequired) {
    // The grant is bound to this exact transfer: the retry must send the same body.
    in.digest = policy::request_digest(policy::DigestInput{
        ctx.agent_id, ctx.vendor_id, "POST", kPath, "", req.canonical_body, in.cost_micros});
  }
  audit::Entry base;
  base.request_id = ctx.request_id;

  TransferOutcome out;
  store::TransferRow row;
  SECU_TRY_VOID(st.write([&](store::WriteTx& tx) -> Status {
    out = {};
    if (req.idempotency_key) {
      SECU_TRY(auto earlier,
               store::find_transfer_by_idempotency(tx.db, ctx.agent_id, *req.idempotency_key));
      if (earlier) {
        if (!crypto::constant_time_equal(earlier->body_hash.value_or(""), body_hash)) {
          return Error::conflict("idempotency_conflict",
                                 "this idempotency_key was used with a different request body");
        }
        out.transfer = std::move(*earlier);
        out.replayed = true;
        return {};
      }
    }
    std::optional<store::AgentRow> payee;
    if (internal) {
      SECU_TRY(payee, store::get_agent(tx.db, *req.to_agent_id));
      if (!payee) return Error::not_found("agent");
    }

    const int64_t now = now_ms();
    in.now_ms = now;
    SECU_TRY(out.decision, gateway_core::decide(tx, in, base));
    if (out.decision.verdict != gateway_core::Verdict::kAllow) return {};

    SECU_TRY(auto payer, store::find_account(tx.db, "agent", ctx.agent_id, req.currency));
    if (!payer) {
      return Error::conflict("insufficient_funds",
                             "the agent has no " + req.currency + " wallet to pay from");
    }
    row = new_row(ctx, req, body_hash, now);
    row.from_account_id = payer->id;
    row.event_id = out.decision.event_id;
    if (!out.decision.approval_id.empty()) row.approval_id = out.decision.approval_id;

    if (internal) {
      SECU_TRY(auto to, ledger::ensure_wallet(tx.db, "agent", payee->id, payee->org_id,
                                              req.currency, {}, now));
      row.to_account_id = to.id;
      row.to_org_id = payee->org_id;
      row.status = "settled";
      row.fee_micros = billing::fee_micros(ctx.fees, row.amount_micros, true);
      SECU_TRY_VOID(store::insert_transfer(tx.db, row));
      SECU_TRY_VOID(ledger::post(tx.db, row.id, row.currency,
                                 {{payer->id, -row.amount}, {to.id, row.amount}}, now));
      gateway_core::SettleInput s;
      s.event_id = out.decision.event_id;
      s.status_code = 200;
      s.upstream_answered = true;
      s.fees = ctx.fees;
      SECU_TRY_VOID(gateway_core::settle(tx, s));
      SECU_TRY_VOID(audit::append(tx, transfer_audit(ctx, row, "tx.transfer")));
    } else {
      // Lapsed holds of crashed transfers are released here, where holds are taken.
      SECU_TRY(auto expired, ledger::expire_holds(tx, now, kExpireBatch));
      (void)expired;
      SECU_TRY(auto to,
               ledger::system_account(tx.db, settlement_account(req.rail), req.currency, now));
      row.to_account_id = to.id;
      row.status = "pending";
      SECU_TRY_VOID(store::insert_transfer(tx.db, row));
      SECU_TRY(auto hold, ledger::place_hold(tx.db, row.id, payer->id, row.amount,
                                             now + ctx.hold_ttl_ms, now));
      (void)hold;
      SECU_TRY_VOID(audit::append(tx, transfer_audit(ctx, row, "tx.transfer")));
    }
    out.transfer = row;
    return {};
  }));
  if (out.replayed || internal || !out.transfer) return out;

  // ---- the external rail, outside the writer ----
  RailPayment p;
  p.transfer_id = row.id;
  p.request_id = ctx.request_id;
  p.from_wallet_id = row.from_account_id;
  p.currency = row.currency;
  p.amount = row.amount;
  p.amount_micros = row.amount_micros;
  p.to_address = req.to_address;
  p.network = req.network;
  p.asset = req.asset;
  p.shared_payment_token = req.shared_payment_token;
  p.metadata = req.metadata;
  const RailResult rr = rail->pay(p);

  SECU_TRY_VOID(st.write([&](store::WriteTx& tx) -> Status {
    const int64_t now = now_ms();
    SECU_TRY(auto hold, store::pending_hold_of_transfer(tx.db, row.id));
    store::TransferRow done = row;
    done.updated_at = now;
    const bool settled = rr.settled && hold.has_value();
    if (settled) {
      SECU_TRY_VOID(ledger::post_hold(tx.db, *hold, row.to_account_id, row.currency, now));
      done.status = "settled";
      done.external_ref = rr.external_ref;
    } else {
      if (hold) SECU_TRY_VOID(ledger::release_hold(tx.db, *hold, "voided", now));
      done.status = "failed";
      done.failure_code = hold ? rr.failure_code : std::string("hold_expired");
      if (!rr.external_ref.empty()) done.external_ref = rr.external_ref;
    }
    done.fee_micros = settled ? billing::fee_micros(ctx.fees, row.amount_micros, true) : 0;
    SECU_TRY_VOID(store::update_transfer_outcome(tx.db, done));
    gateway_core::SettleInput s;
    s.event_id = *row.event_id;
    s.status_code = settled ? 200 : 502;
    s.upstream_answered = settled;  // a failed payment costs nothing and bears no fee
    if (!settled) s.error_code = done.failure_code.value_or("rail_failed");
    s.fees = ctx.fees;
    SECU_TRY_VOID(gateway_core::settle(tx, s));
    auto a = transfer_audit(ctx, done, "tx.transfer.settle");
    if (!rr.message.empty() && !settled) a.details["message"] = rr.message;
    SECU_TRY_VOID(audit::append(tx, a));
    row = std::move(done);
    return {};
  }));
  if (!rr.settled && rr.error) out.rail_error = rr.error;
  out.transfer = row;
  return out;
}

}  // namespace secu::tx
