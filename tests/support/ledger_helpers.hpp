// Helpers for the ledger's and the transfers' integration tests: a paying agent (org, policy,
// agent, vendor, key through the real API) and a payee, funding, transfers with an agent key,
// balances and reconciliation through the real secud.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"

namespace secu::test {

struct Payers {
  GatewaySetup payer;  // org, policy, agent (policy attached), vendor, key
  std::string payee;   // a second agent of the same org
};
// The payer with `policy` (fields beside org_id/name; {} = allow everything) and an optional
// daily budget (USD), and a payee in the same org.
Payers make_payers(const Secud& s, nlohmann::json policy = nlohmann::json::object(),
                   std::optional<double> budget = std::nullopt);
// POST /v1/agents as the platform admin; REQUIREs success.
std::string make_agent(const Secud& s, const std::string& org, const std::string& name);
// POST /v1/ledger/fund as the platform admin; REQUIREs success; answers the transfer.
nlohmann::json fund(const Secud& s, const std::string& agent, int64_t amount,
                    const std::string& currency = "usd");
// POST /v1/tx/transfer with the agent key.
Response transfer(const Secud& s, const std::string& key, const nlohmann::json& body,
                  Headers extra = {});
// The agent's balance in `currency` (0 when it has no wallet).
int64_t balance(const Secud& s, const std::string& agent, const std::string& currency = "usd");
// GET /v1/ledger/reconcile as the platform admin.
nlohmann::json reconcile(const Secud& s);
// How many audit entries of the org carry `action` (from the org's JSONL export).
int audit_count(const Secud& s, const std::string& org, const std::string& action);

}  // namespace secu::test
