// The field rules of a transfer request (secu/tx.hpp validate()).
#include "secu/json_input.hpp"
#include "secu/ledger.hpp"
#include "secu/tx.hpp"

namespace secu::tx {

Status validate(TransferRequest& r) {
  if (r.rail != "internal" && r.rail != "x402" && r.rail != "stripe") {
    return Error::invalid("rail must be internal, x402 or stripe", "rail");
  }
  SECU_TRY(r.currency, ledger::normalize_currency(r.currency, "currency"));
  if (r.amount <= 0) return Error::invalid("amount must be a positive integer", "amount");
  if (r.rail == "internal") {
    if (!r.to_agent_id)
      return Error::invalid("to_agent_id is required on the internal rail", "to_agent_id");
    if (r.to_address) {
      return Error::invalid("to_address is for external rails; pay an agent with to_agent_id",
                            "to_address");
    }
  } else if (r.rail == "x402") {
    if (r.to_agent_id) return Error::invalid("to_agent_id is for the internal rail", "to_agent_id");
    if (!r.to_address)
      return Error::invalid("to_address is required on the x402 rail", "to_address");
    if (!r.network) return Error::invalid("network is required on the x402 rail", "network");
    if (!r.asset) return Error::invalid("asset is required on the x402 rail", "asset");
  } else {
    if (!r.shared_payment_token) {
      return Error::invalid("shared_payment_token is required on the stripe rail",
                            "shared_payment_token");
    }
    if (r.to_address) return Error::invalid("to_address is for the x402 rail", "to_address");
    // Stripe charges ISO 4217 currencies only (not usdc or other assets).
    if (r.currency.size() != 3) {
      return Error::invalid("the stripe rail takes a 3-letter ISO currency code", "currency");
    }
  }
  size_t bytes = 0;
  if (r.metadata.size() > kMaxMetadataKeys) {
    return Error::invalid("metadata holds at most 20 keys", "metadata");
  }
  for (const auto& [k, v] : r.metadata) {
    if (k.empty() || k.size() > 40) {
      return Error::invalid("metadata keys are 1 to 40 characters", "metadata");
    }
    if (v.size() > kMaxMetadataValue) {
      return Error::invalid("metadata values are at most 500 bytes", "metadata");
    }
    bytes += k.size() + v.size();
  }
  if (bytes > kMaxMetadataBytes) return Error::invalid("metadata is at most 4 KiB", "metadata");
  if (!r.amount_micros) {
    r.amount_micros = ledger::usd_micros_of(r.currency, r.amount);
    if (!r.amount_micros) {
      return Error::invalid("amount_usd is required for currency " + r.currency, "amount_usd");
    }
  }
  return {};
}

Result<TransferRequest> parse_transfer_request(const nlohmann::json& body) {
  json::Reader r(body);
  TransferRequest in;
  in.to_agent_id = r.str("to_agent_id", {.min_len = 1, .max_len = 64});
  in.to_address = r.str("to_address", {.min_len = 1, .max_len = 128});
  in.rail = r.str("rail", {.required = true, .max_len = 32}).value_or("");
  in.currency = r.str("currency", {.required = true, .max_len = 32}).value_or("");
  in.amount = r.integer("amount", {.required = true, .min = 1}).value_or(0);
  in.amount_micros = r.usd("amount_usd");
  in.network = r.str("network", {.min_len = 1, .max_len = 64});
  in.asset = r.str("asset", {.min_len = 1, .max_len = 128});
  in.mandate_id = r.str("mandate_id", {.min_len = 1, .max_len = 128});
  in.shared_payment_token = r.str("shared_payment_token", {.min_len = 1, .max_len = 255});
  in.idempotency_key = r.str("idempotency_key", {.min_len = 1, .max_len = 255});
  in.metadata = r.str_map("metadata", {.max_items = kMaxMetadataKeys, .max_len = kMaxMetadataValue})
                    .value_or(std::map<std::string, std::string>{});
  SECU_TRY_VOID(r.finish());
  SECU_TRY_VOID(validate(in));
  return in;
}

}  // namespace secu::tx
