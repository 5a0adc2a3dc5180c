// The JSON shapes of wallets and transfers (floats only here, at the edge).
#include "secu/clock.hpp"
#include "secu/ledger.hpp"
#include "secu/money.hpp"

namespace secu::ledger {

nlohmann::json wallet_json(const store::AccountRow& a) {
  nlohmann::json j = {{"id", a.id},
                      {"owner_type", a.owner_type},
                      {"owner_id", a.owner_id},
                      {"currency", a.currency},
                      {"balance", a.balance},
                      {"held", a.held},
                      {"available", a.balance - a.held},
                      {"created_at", format_rfc3339(a.created_at)},
                      {"updated_at", format_rfc3339(a.updated_at)}};
  if (!a.org_id.empty()) j["org_id"] = a.org_id;
  if (a.owner_type == "agent") j["agent_id"] = a.owner_id;
  if (a.network) j["network"] = *a.network;
  return j;
}

nlohmann::json transfer_json(const store::TransferRow& t) {
  nlohmann::json j = {{"id", t.id},
                      {"status", t.status},
                      {"kind", t.kind},
                      {"rail", t.rail},
                      {"currency", t.currency},
                      {"amount", t.amount},
                      {"amount_usd", money::micros_to_usd(t.amount_micros)},
                      {"amount_micros", t.amount_micros},
                      {"fee_usd", money::micros_to_usd(t.fee_micros)},
                      {"fee_micros", t.fee_micros},
                      {"org_id", t.org_id},
                      {"from_wallet_id", t.from_account_id},
                      {"to_wallet_id", t.to_account_id},
                      {"created_at", format_rfc3339(t.created_at)},
                      {"updated_at", format_rfc3339(t.updated_at)}};
  auto put = [&](const char* k, const std::optional<std::string>& v) {
    if (v) j[k] = *v;
  };
  put("from_agent_id", t.from_agent_id);
  put("to_agent_id", t.to_agent_id);
  put("to_org_id", t.to_org_id);
  put("to_address", t.to_address);
  put("network", t.network);
  put("asset", t.asset);
  put("mandate_id", t.mandate_id);
  put("idempotency_key", t.idempotency_key);
  put("external_ref", t.external_ref);
  put("failure_code", t.failure_code);
  put("event_id", t.event_id);
  put("approval_id", t.approval_id);
  auto meta = nlohmann::json::parse(t.metadata, nullptr, false);
  j["metadata"] = meta.is_object() ? meta : nlohmann::json::object();
  return j;
}

}  // namespace secu::ledger
