#include "support/ledger_helpers.hpp"

#include <catch2/catch.hpp>

#include "support/api.hpp"

namespace secu::test {

Payers make_payers(const Secud& s, nlohmann::json policy, std::optional<double> budget) {
  // The vendor is never called: a transfer names no vendor, but a key binds one.
  auto o = gateway_options("http://127.0.0.1:9/api", std::move(policy));
  if (budget) o.budget(*budget);
  Payers p;
  p.payer = provision_gateway(s, o);
  p.payee = make_agent(s, p.payer.org, "payee-bot");
  return p;
}

std::string make_agent(const Secud& s, const std::string& org, const std::string& name) {
  return created_id(
      admin(s, "POST", "/v1/agents", nlohmann::json{{"org_id", org}, {"name", name}}.dump()));
}

nlohmann::json fund(const Secud& s, const std::string& agent, int64_t amount,
                    const std::string& currency) {
  auto r =
      admin(s, "POST", "/v1/ledger/fund",
            nlohmann::json{{"agent_id", agent}, {"currency", currency}, {"amount", amount}}.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.json();
}

Response transfer(const Secud& s, const std::string& key, const nlohmann::json& body,
                  Headers extra) {
  extra.emplace_back("Authorization", "Bearer " + key);
  return http(s.url(), "POST", "/v1/tx/transfer", body.dump(), extra);
}

int64_t balance(const Secud& s, const std::string& agent, const std::string& currency) {
  auto r = admin(s, "GET", "/v1/ledger/wallets?agent_id=" + agent);
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto body = r.json();
  for (const auto& w : body["wallets"]) {
    if (w["currency"] == currency) return w["balance"].get<int64_t>();
  }
  return 0;
}

nlohmann::json reconcile(const Secud& s) {
  auto r = admin(s, "GET", "/v1/ledger/reconcile");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.json();
}

int audit_count(const Secud& s, const std::string& org, const std::string& action) {
  auto r = admin(s, "GET", "/v1/audit/export.jsonl?org_id=" + org);
  REQUIRE(r.status == 200);
  int n = 0;
  size_t start = 0;
  while (start < r.body.size()) {
    auto end = r.body.find('\n', start);
    if (end == std::string::npos) end = r.body.size();
    auto line = nlohmann::json::parse(r.body.substr(start, end - start), nullptr, false);
    if (line.is_object() && line.value("action", "") == action) ++n;
    start = end + 1;
  }
  return n;
}

}  // namespace secu::test
