// Transfers and their stats: POST /v1/tx/transfer (agent key), GET /v1/tx/stats (scoped by
// principal), GET /v1/public/tx/stats (no credentials, totals only). The governance, ledger and
// rail work is secu/tx.hpp; this file parses, picks the rail, renders.
#include <nlohmann/json.hpp>

#include "integrations/stripe_client.hpp"
#include "integrations/stripe_rail.hpp"
#include "integrations/x402_facilitator.hpp"
#include "secu/billing.hpp"
#include "secu/clock.hpp"
#include "secu/governance.hpp"
#include "secu/json_input.hpp"
#include "secu/ledger.hpp"
#include "secu/money.hpp"
#include "secu/policy.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/billing_settings.hpp"
#include "secu/store/hires.hpp"
#include "secu/store/keys.hpp"
#include "secu/store/policies.hpp"
#include "secu/tx.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"
#include "server/scope.hpp"

namespace secu::daemon {

namespace {

// A failed stripe-rail transfer answers Stripe's error (502/504 from the Stripe client), naming
// the failed transfer; a replay, which no longer has Stripe's answer, rebuilds it from the row.
Error stripe_failure(const store::TransferRow& t, const std::optional<Error>& rail_error) {
  Error e = rail_error ? *rail_error
                       : Error::make(ErrorKind::kUpstream, "stripe_error",
                                     "Stripe did not take the payment (" +
                                         t.failure_code.value_or("failed") + ")");
  e.extra["transfer_id"] = t.id;
  e.extra["failure_code"] = t.failure_code.value_or("");
  if (t.event_id) e.extra["event_id"] = *t.event_id;
  if (t.external_ref) e.extra["payment_intent_id"] = *t.external_ref;
  return e;
}

tx::TransferRequest parse_transfer(const nlohmann::json& body) {
  auto in = Ctx::unwrap(tx::parse_transfer_request(body));
  in.canonical_body = body.dump();  // nlohmann objects keep keys sorted
  return in;
}

void transfer(Ctx& c) {
  const auto cfg = c.app().config();
  const Principal& who = c.principal();
  const auto body = c.json_body();
  auto req = parse_transfer(body);

  std::optional<store::KeyRow> key;
  std::optional<store::AgentRow> agent;
  std::vector<store::PolicyRow> policies;
  std::optional<store::BillingSettingsRow> settings;
  std::optional<store::HireRow> hire;  // set when the key is a marketplace hire's linked key
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(key, store::get_key(db, who.key_id));
    if (!key) return {};
    SECU_TRY(agent, store::get_agent(db, key->agent_id));
    SECU_TRY(policies, store::policies_of_agent(db, key->agent_id));
    SECU_TRY(settings, store::get_billing_settings(db, key->org_id));
    SECU_TRY(hire, store::find_hire_by_payer(db, key->agent_id));
    return {};
  });
  if (!key || !key->usable(now_ms()) || !agent)
    Ctx::fail(Error::unauthenticated("invalid or revoked key"));

  std::vector<policy::Policy> ps;
  for (const auto& p : policies)
    ps.push_back(governance::policy_of(p));
  policy::Request preq;
  preq.action = "tx.transfer";  // not an HTTP request: path rules do not apply
  preq.cost_micros = req.amount_micros.value_or(0);

  tx::TransferContext ctx;
  ctx.org_id = key->org_id;
  ctx.agent_id = agent->id;
  ctx.key_id = key->id;
  ctx.vendor_id = key->vendor_id;
  ctx.request_id = c.request_id();
  ctx.policy = policy::evaluate(ps, preq);
  if (hire && req.to_agent_id != hire->to_agent_id &&
      ctx.policy.outcome != policy::Outcome::kDeny) {
    // A hire's linked key pays the hired agent and no one else; a deny like a policy's, so it
    // is billed and audited as every decision is.
    ctx.policy.outcome = policy::Outcome::kDeny;
    ctx.policy.policy_id = hire->policy_id.value_or("");
    ctx.policy.deny_reason = "payee_not_allowed";
    ctx.policy.message = "this key pays only the hired agent " + hire->to_agent_id;
  }
  if (auto h = c.header("X-Secu-Approval-Id"); !h.empty()) ctx.approval_id = h;
  ctx.fees = billing::fees_for(Ctx::unwrap(fee_defaults(*cfg)), settings);
  ctx.approval_ttl_ms = cfg->approval_ttl_s * 1000;
  ctx.hold_ttl_ms = cfg->transfer_hold_ttl_s * 1000;

  // The rails outside Secu; none configured → tx::transfer answers 400 rail_not_configured.
  std::unique_ptr<tx::Rail> rail;
  if (req.rail == "stripe") {
    if (auto client = StripeClient::from_config(*cfg); client.ok()) {
      rail = std::make_unique<StripeRail>(std::move(*client));
    }
  }
  if (req.rail == "x402" && !cfg->x402_facilitator_url.empty()) {
    X402Settings s;
    s.base_url = cfg->x402_facilitator_url;
    s.connect_timeout = std::chrono::milliseconds(cfg->upstream_connect_timeout_ms);
    s.read_timeout = std::chrono::seconds(cfg->upstream_read_timeout_s);
    rail = std::make_unique<X402Rail>(std::move(s), c.app().secrets().signing_key);
  }

  auto out = Ctx::unwrap(tx::transfer(c.app().store(), ctx, req, rail.get()));
  if (out.replayed) {
    c.set_header("Idempotent-Replayed", "true");
    if (out.transfer->rail == "stripe" && out.transfer->status == "failed") {
      Ctx::fail(stripe_failure(*out.transfer, std::nullopt));  // the first answer was an error
    }
    c.reply(200, ledger::transfer_json(*out.transfer));
    return;
  }
  const auto& r = out.decision;
  c.set_header("X-Secu-Event-Id", r.event_id);
  if (r.verdict == gateway_core::Verdict::kDeny) Ctx::fail(gateway_core::denial_error(r));
  if (r.verdict == gateway_core::Verdict::kPending) {
    c.reply(202, gateway_core::pending_json(r));
    return;
  }
  if (out.rail_error) Ctx::fail(stripe_failure(*out.transfer, out.rail_error));
  c.reply(200, ledger::transfer_json(*out.transfer));
}

void stats(Ctx& c) {
  const auto org_id = org_for_read(c);
  const auto period = Ctx::unwrap(tx::parse_stats_period(c.query("from"), c.query("to"), now_ms()));
  nlohmann::json out;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(out, tx::stats(db, org_id, period, true));
    return {};
  });
  c.reply(200, out);
}

void public_stats(Ctx& c) {
  const auto period = Ctx::unwrap(tx::parse_stats_period(c.query("from"), c.query("to"), now_ms()));
  nlohmann::json out;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(out, tx::stats(db, "", period, false));
    return {};
  });
  c.reply(200, out);
}

}  // namespace

void register_tx_routes(RouteTable& t) {
  t.add("POST", "/v1/tx/transfer", Access::kAgent, "Transfer funds between agents", transfer);
  t.add("GET", "/v1/tx/stats", Access::kViewer, "Transaction stats (scoped by principal)", stats);
  t.add("GET", "/v1/public/tx/stats", Access::kPublic,
        "Public network stats (last 30 days by default)", public_stats);
}

}  // namespace secu::daemon
