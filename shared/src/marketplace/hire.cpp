// A hire and its optional initial charge, in one write job (secu/marketplace.hpp).
#include "secu/marketplace.hpp"

#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/governance.hpp"
#include "secu/ledger.hpp"
#include "secu/money.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/billing_events.hpp"

namespace secu::marketplace {

namespace {

constexpr int64_t kHourMs = 3'600'000;

// The initial charge: the hiring org's wallet pays the hired agent's wallet.
Result<store::TransferRow> charge(store::WriteTx& tx, const HireRequest& req,
                                  const store::AgentRow& agent, const store::HireRow& h,
                                  const billing::FeeSchedule& fees, const audit::Entry& base,
                                  int64_t now) {
  const std::string rail = req.rail.value_or("internal");
  if (rail != "internal") {
    // Not a configuration matter: a hire carries no payment token (stripe) or address (x402).
    Error e = Error::make(ErrorKind::kInvalid, "rail_not_supported",
                          "a hire charges on the internal rail; pay on " + rail +
                              " through POST /v1/tx/transfer with the hire's linked key");
    e.field = "rail";
    return e;
  }
  SECU_TRY(auto currency, ledger::normalize_currency(req.currency.value_or("usd"), "currency"));
  int64_t amount = 0;
  if (req.amount) {
    amount = *req.amount;
  } else if (currency == "usd") {
    amount = (*agent.price_micros + 9'999) / 10'000;  // the price in cents, rounded up
  } else {
    return Error::invalid("amount is required for a charge in " + currency, "amount");
  }
  if (amount <= 0) return Error::invalid("amount must be a positive integer", "amount");
  auto micros = req.amount_micros ? req.amount_micros : ledger::usd_micros_of(currency, amount);
  if (!micros)
    return Error::invalid("amount_usd is required for currency " + currency, "amount_usd");

  SECU_TRY(auto from, store::find_account(tx.db, "org", req.org_id, currency));
  if (!from) {
    return Error::conflict("insufficient_funds",
                           "the org has no " + currency + " wallet to pay the hire from");
  }
  SECU_TRY(auto to, ledger::ensure_wallet(tx.db, "agent", agent.id, agent.org_id, currency,
                                          req.network, now));

  store::BillingEventRow e;
  e.id = crypto::random_id("evt");
  e.org_id = req.org_id;
  e.agent_id = agent.id;
  e.request_id = base.request_id;
  e.action = "marketplace.hire";
  e.method = "POST";
  e.path = "/v1/marketplace/hire";
  e.allow = true;
  e.status_code = 200;
  e.authorized_cost_micros = *micros;
  e.cost_micros = *micros;
  e.fee_micros = billing::fee_micros(fees, *micros, true);
  e.metering_source = "declared";
  e.settled = true;
  e.day = billing::utc_day(now).start_ms;
  e.hour = now - (now % kHourMs + kHourMs) % kHourMs;
  e.created_at = now;
  SECU_TRY_VOID(store::insert_billing_event(tx.db, e));

  store::TransferRow t;
  t.id = crypto::random_id("tx");
  t.org_id = req.org_id;
  t.kind = "transfer";
  t.rail = rail;
  t.status = "settled";
  t.currency = currency;
  t.amount = amount;
  t.amount_micros = *micros;
  t.fee_micros = e.fee_micros;
  t.from_account_id = from->id;
  t.to_account_id = to.id;
  t.to_agent_id = agent.id;
  t.to_org_id = agent.org_id;
  t.network = req.network;
  t.asset = req.asset;
  t.metadata = nlohmann::json{{"hire_id", h.id}}.dump();
  t.event_id = e.id;
  t.actor_type = base.actor.type;
  t.actor_id = base.actor.id;
  t.request_id = base.request_id;
  t.created_at = now;
  t.updated_at = now;
  SECU_TRY_VOID(store::insert_transfer(tx.db, t));
  SECU_TRY_VOID(ledger::post(tx.db, t.id, currency, {{from->id, -amount}, {to.id, amount}}, now));
  return t;
}

// The linked key (secu/marketplace.hpp): payer agent, its tx.transfer-only policy, its key.
Status link_payer(store::WriteTx& tx, const HireRequest& req, const store::AgentRow& hired,
                  const crypto::SecretBuffer& key_hash_key, const audit::Entry& base,
                  HireResult& r) {
  store::PolicyRow p;
  p.org_id = req.org_id;
  p.name = "hire " + r.hire.id + ": pays " + hired.id + " only";
  p.allowed_actions = {"tx.transfer"};
  SECU_TRY(p, governance::create_policy(tx, p, base));

  governance::AgentChange payer;
  payer.name = "hire of " + hired.name;
  payer.daily_budget_micros = req.daily_budget_micros;
  payer.policy_ids = std::vector<std::string>{p.id};
  SECU_TRY(auto agent, governance::create_agent(tx, req.org_id, payer, base));

  SECU_TRY(auto key, governance::create_payer_key(tx, agent, key_hash_key, base));
  r.hire.payer_agent_id = agent.id;
  r.hire.policy_id = p.id;
  r.hire.key_id = key.row.id;
  r.key = std::move(key.row);
  r.key_secret = std::move(key.secret);
  return {};
}

}  // namespace

Result<HireResult> hire(store::WriteTx& tx, const HireRequest& req,
                        const billing::FeeSchedule& fees, const crypto::SecretBuffer& key_hash_key,
                        const audit::Entry& base) {
  const std::string body_hash =
      crypto::hex_encode(crypto::sha256(std::string("marketplace.hire\n") + req.canonical_body));
  if (req.idempotency_key) {
    SECU_TRY(auto earlier,
             store::find_hire_by_idempotency(tx.db, req.org_id, *req.idempotency_key));
    if (earlier) {
      if (!crypto::constant_time_equal(earlier->body_hash.value_or(""), body_hash)) {
        return Error::conflict("idempotency_conflict",
                               "this idempotency_key was used with a different request body");
      }
      HireResult r;
      if (earlier->charge_transfer_id) {
        SECU_TRY(r.charge, store::get_transfer(tx.db, *earlier->charge_transfer_id));
      }
      r.hire = std::move(*earlier);
      r.replayed = true;
      return r;
    }
  }
  SECU_TRY(auto agent, store::get_agent(tx.db, req.to_agent_id));
  if (!agent) return Error::not_found("agent");
  if (agent->org_id == req.org_id) {
    return Error::invalid("an org hires agents of other orgs, not its own", "to_agent_id");
  }
  if (!agent->listed || agent->status != "active" || !agent->price_micros ||
      !agent->pricing_model) {
    return Error::conflict("agent_not_listed", "the agent is not listed on the marketplace");
  }
  if (req.pricing_model && *req.pricing_model != *agent->pricing_model) {
    return Error::invalid("the listing's pricing_model is " + *agent->pricing_model,
                          "pricing_model");
  }

  const int64_t now = now_ms();
  HireResult r;
  store::HireRow& h = r.hire;
  h.id = crypto::random_id("hire");
  h.org_id = req.org_id;
  h.to_agent_id = agent->id;
  h.to_org_id = agent->org_id;
  h.pricing_model = *agent->pricing_model;
  h.price_micros = *agent->price_micros;
  h.daily_budget_micros = req.daily_budget_micros;
  h.rail = req.rail;
  h.currency = req.currency;
  h.network = req.network;
  h.asset = req.asset;
  h.idempotency_key = req.idempotency_key;
  h.body_hash = body_hash;
  h.actor_type = base.actor.type;
  h.actor_id = base.actor.id;
  h.request_id = base.request_id;
  h.created_at = now;
  SECU_TRY_VOID(link_payer(tx, req, *agent, key_hash_key, base, r));
  if (req.charge_now) {
    SECU_TRY(r.charge, charge(tx, req, *agent, h, fees, base, now));
    h.charge_transfer_id = r.charge->id;
  }
  SECU_TRY_VOID(store::insert_hire(tx.db, h));

  audit::Entry a = base;
  a.org_id = req.org_id;
  a.action = "marketplace.hire";
  a.target = h.id;
  a.details = {{"to_agent_id", h.to_agent_id},
               {"to_org_id", h.to_org_id},
               {"pricing_model", h.pricing_model},
               {"price_micros", h.price_micros}};
  if (h.daily_budget_micros) a.details["daily_budget_micros"] = *h.daily_budget_micros;
  a.details["payer_agent_id"] = *h.payer_agent_id;
  a.details["key_id"] = *h.key_id;
  if (r.charge) {
    a.details["charge_transfer_id"] = r.charge->id;
    a.details["amount"] = r.charge->amount;
    a.details["currency"] = r.charge->currency;
  }
  SECU_TRY_VOID(audit::append(tx, a));
  return r;
}

nlohmann::json hire_json(const store::HireRow& h, const std::optional<store::TransferRow>& charge) {
  nlohmann::json j = {{"id", h.id},
                      {"status", charge ? charge->status : std::string("active")},
                      {"org_id", h.org_id},
                      {"to_agent_id", h.to_agent_id},
                      {"to_org_id", h.to_org_id},
                      {"pricing_model", h.pricing_model},
                      {"price_usd", money::micros_to_usd(h.price_micros)},
                      {"created_at", format_rfc3339(h.created_at)}};
  if (h.daily_budget_micros) j["daily_budget_usd"] = money::micros_to_usd(*h.daily_budget_micros);
  if (h.rail) j["rail"] = *h.rail;
  if (h.currency) j["currency"] = *h.currency;
  if (h.network) j["network"] = *h.network;
  if (h.asset) j["asset"] = *h.asset;
  if (h.idempotency_key) j["idempotency_key"] = *h.idempotency_key;
  if (h.charge_transfer_id) j["charge_transfer_id"] = *h.charge_transfer_id;
  if (h.payer_agent_id) j["payer_agent_id"] = *h.payer_agent_id;
  if (h.policy_id) j["policy_id"] = *h.policy_id;
  if (h.key_id) j["key_id"] = *h.key_id;
  if (charge) j["charge"] = ledger::transfer_json(*charge);
  return j;
}

nlohmann::json hire_result_json(const HireResult& r) {
  auto j = hire_json(r.hire, r.charge);
  if (r.key && !r.key_secret.empty()) {
    j["key"] = {{"id", r.key->id},
                {"agent_id", r.key->agent_id},
                {"prefix", r.key->prefix},
                {"key", r.key_secret}};  // the only time it is shown
  }
  return j;
}

}  // namespace secu::marketplace
