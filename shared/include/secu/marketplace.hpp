// The marketplace: agents listed by their org (PATCH /v1/agents/{id}: listed, price,
// pricing_model) and hired by another org (POST /v1/marketplace/hire, admin+ of the hiring org).
//
// A hire validates the listing (the agent exists, is listed and active, belongs to another org,
// and the asked pricing_model is the listing's), records the hire at the listing's terms with
// daily_budget_usd as its cap and, with charge_now, makes the initial charge in the same write
// job: a transfer on the internal rail from the hiring org's wallet to the hired agent's
// wallet, with its billing event (action marketplace.hire, fee by the org's fee_mode) and audit
// entry. Insufficient funds fail the whole job (409, no hire recorded, nothing moved).
// The linked key: every hire also makes, in the hiring org and the same write job, a payer agent
// ("hire of <name>") whose daily budget is daily_budget_usd (else the org's default), a policy
// that allows it tx.transfer only, and a payer key (no vendor: the gateway refuses it). With that
// key the hiring org pays the hired agent through POST /v1/tx/transfer, governed like any
// transfer (budget, approvals, kill-switch), and it pays no one else (403 payee_not_allowed).
// The key's secret is in the first answer only.
// idempotency_key: scoped per hiring org; the same body answers the first hire again (without
// the key's secret), another body 409 idempotency_conflict.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "secu/audit.hpp"
#include "secu/billing_math.hpp"
#include "secu/crypto.hpp"
#include "secu/store.hpp"
#include "secu/store/hires.hpp"
#include "secu/store/keys.hpp"
#include "secu/store/ledger.hpp"

namespace secu::marketplace {

struct HireRequest {
  std::string org_id;  // the hiring org (already scoped by the caller)
  std::string to_agent_id;
  std::optional<std::string> pricing_model;
  std::optional<std::string> rail;      // default internal
  std::optional<std::string> currency;  // default usd
  std::optional<int64_t> amount;        // minor units; default: the listing's price (usd)
  std::optional<int64_t> amount_micros;
  std::optional<std::string> network;
  std::optional<std::string> asset;
  std::optional<int64_t> daily_budget_micros;
  bool charge_now = false;
  std::optional<std::string> idempotency_key;
  std::string canonical_body;
};

struct HireResult {
  store::HireRow hire;
  std::optional<store::TransferRow> charge;
  std::optional<store::KeyRow> key;  // the linked key (a first hire only)
  std::string key_secret;            // sk_secu_…, shown once
  bool replayed = false;
};

// Runs the hire (see above). 400 bad terms (field), 404 the agent, 409 agent_not_listed /
// insufficient_funds / idempotency_conflict, 400 rail_not_supported for a charge on a rail
// other than internal (a hire carries no payment token or address to charge with).
// `key_hash_key` hashes the linked key's secret as every agent key is.
Result<HireResult> hire(store::WriteTx& tx, const HireRequest& req,
                        const billing::FeeSchedule& fees, const crypto::SecretBuffer& key_hash_key,
                        const audit::Entry& base);

// Hire: id, status ("settled" when charged, else "active"), org_id, to_agent_id, to_org_id,
// pricing_model, price_usd, daily_budget_usd?, rail?, currency?, charge (the Transfer)?,
// charge_transfer_id?, payer_agent_id?, policy_id?, key_id?, created_at.
nlohmann::json hire_json(const store::HireRow& h, const std::optional<store::TransferRow>& charge);
// hire_json plus, on a first hire, "key": {id, agent_id, prefix, key (the secret)}.
nlohmann::json hire_result_json(const HireResult& r);

}  // namespace secu::marketplace
