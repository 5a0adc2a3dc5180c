// The x402 rail against a real facilitator on 127.0.0.1 (tests/peers/x402-facilitator.js):
// verify then settle, the hold posted to the settlement account, failures voiding the hold,
// an unreachable facilitator, idempotent replay, and stats of the failures.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/ledger_helpers.hpp"
#include "support/peers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

const char* kAsset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";

json x402(const std::string& to, int64_t amount, const std::string& key = {}) {
  json b = {{"rail", "x402"},         {"currency", "usdc"},        {"amount", amount},
            {"to_address", to},       {"network", "base-sepolia"}, {"asset", kAsset},
            {"mandate_id", "mnd_123"}};
  if (!key.empty()) b["idempotency_key"] = key;
  return b;
}

int64_t wallet_held(const Secud& s, const std::string& agent) {
  const auto body = admin(s, "GET", "/v1/ledger/wallets?agent_id=" + agent).json();
  return body["wallets"][0]["held"].get<int64_t>();
}

}  // namespace

TEST_CASE("x402: a transfer is verified and settled by the facilitator", "[tx][x402]") {
  if (!node_peers_available()) {
    WARN("skipped: node and tests/peers are needed");
    return;
  }
  NodePeer fac("x402-facilitator.js");
  const std::string url = "http://127.0.0.1:" + std::to_string(fac.port());
  Secud s(secud_with({"--x402-facilitator-url", url}));
  auto p = make_payers(s);
  fund(s, p.payer.agent, 5'000'000, "usdc");

  const std::string payee = "0x1111111111111111111111111111111111111111";
  auto r = transfer(s, p.payer.key, x402(payee, 1'500'000, "inv-1"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto t = r.json();
  CHECK(t["status"] == "settled");
  CHECK(t["rail"] == "x402");
  CHECK(t["amount_usd"] == 1.5);
  CHECK(t["to_address"] == payee);
  CHECK(t["mandate_id"] == "mnd_123");
  CHECK(t["external_ref"].get<std::string>().rfind("0x", 0) == 0);
  CHECK(balance(s, p.payer.agent, "usdc") == 3'500'000);
  CHECK(wallet_held(s, p.payer.agent) == 0);
  auto sys = admin(s, "GET", "/v1/ledger/wallets?owner_type=system").json();
  bool found = false;
  for (const auto& w : sys["wallets"]) {
    if (w["owner_id"] == "x402_settlement") {
      CHECK(w["balance"] == 1'500'000);
      found = true;
    }
  }
  CHECK(found);
  CHECK(reconcile(s)["balanced"] == true);

  // What the facilitator was asked: verify, then settle, for exactly this payment.
  auto reqs = http("http://127.0.0.1:" + std::to_string(fac.port()), "GET", "/requests").json();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0]["path"] == "/verify");
  CHECK(reqs[1]["path"] == "/settle");
  const auto& req = reqs[1]["body"]["paymentRequirements"];
  CHECK(req["payTo"] == payee);
  CHECK(req["maxAmountRequired"] == "1500000");
  CHECK(req["network"] == "base-sepolia");
  CHECK(req["asset"] == kAsset);

  // Replay: the same answer, the facilitator is not asked again.
  auto again = transfer(s, p.payer.key, x402(payee, 1'500'000, "inv-1"));
  CHECK(again.status == 200);
  CHECK(again.header("Idempotent-Replayed") == "true");
  CHECK(again.json()["id"] == t["id"]);
  CHECK(http(url, "GET", "/requests").json().size() == 2);
  CHECK(balance(s, p.payer.agent, "usdc") == 3'500'000);
  CHECK(audit_count(s, p.payer.org, "tx.transfer.settle") == 1);
}

TEST_CASE("x402: failures void the hold and move nothing", "[tx][x402]") {
  if (!node_peers_available()) {
    WARN("skipped: node and tests/peers are needed");
    return;
  }
  NodePeer fac("x402-facilitator.js");
  Secud s(secud_with({"--x402-facilitator-url", "http://127.0.0.1:" + std::to_string(fac.port())}));
  auto p = make_payers(s);
  fund(s, p.payer.agent, 2'000'000, "usdc");

  auto refused = transfer(s, p.payer.key, x402("0xfail000000000000000000000000000000000000", 500));
  INFO(refused.body);
  REQUIRE(refused.status == 200);
  CHECK(refused.json()["status"] == "failed");
  CHECK(refused.json()["failure_code"] == "insufficient_funds");
  CHECK(refused.json()["fee_usd"] == 0.0);

  auto invalid = transfer(s, p.payer.key, x402("0xbad0000000000000000000000000000000000000", 500));
  REQUIRE(invalid.status == 200);
  CHECK(invalid.json()["status"] == "failed");
  CHECK(invalid.json()["failure_code"] == "invalid_payee");
  CHECK(balance(s, p.payer.agent, "usdc") == 2'000'000);
  CHECK(wallet_held(s, p.payer.agent) == 0);

  // The failed payment's billing event costs nothing.
  auto e = settled_event(s, invalid.json()["event_id"]);
  CHECK(e["cost_usd"] == 0.0);
  CHECK(e["fee_usd"] == 0.0);

  // More than the wallet holds: 409 before the facilitator is asked.
  const auto before =
      http("http://127.0.0.1:" + std::to_string(fac.port()), "GET", "/requests").json().size();
  auto poor =
      transfer(s, p.payer.key, x402("0x2222222222222222222222222222222222222222", 2'000'001));
  CHECK(poor.status == 409);
  CHECK(http("http://127.0.0.1:" + std::to_string(fac.port()), "GET", "/requests").json().size() ==
        before);

  auto stats = admin(s, "GET", "/v1/tx/stats?org_id=" + p.payer.org).json();
  CHECK(stats["failed"] == 2);
  CHECK(stats["settled"] == 0);
  CHECK(reconcile(s)["balanced"] == true);
}

TEST_CASE("x402: an unreachable facilitator fails the transfer, funds stay", "[tx][x402]") {
  Secud s(secud_with({"--x402-facilitator-url", "http://127.0.0.1:9/x402"}));
  auto p = make_payers(s);
  fund(s, p.payer.agent, 1000, "usdc");
  auto r = transfer(s, p.payer.key, x402("0x3333333333333333333333333333333333333333", 400));
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json()["status"] == "failed");
  CHECK(r.json()["failure_code"] == "facilitator_unreachable");
  CHECK(balance(s, p.payer.agent, "usdc") == 1000);
  CHECK(wallet_held(s, p.payer.agent) == 0);
  CHECK(reconcile(s)["balanced"] == true);
}

TEST_CASE("x402: a crash between hold and settlement leaves a hold that the sweep expires",
          "[tx][x402][crash]") {
  if (!node_peers_available()) {
    WARN("skipped: node and tests/peers are needed");
    return;
  }
  using namespace std::chrono_literals;
  NodePeer fac("x402-facilitator.js");
  const std::string url = "http://127.0.0.1:" + std::to_string(fac.port());
  Secud s(secud_with({"--x402-facilitator-url", url, "--upstream-read-timeout-s", "3",
                      "--upstream-connect-timeout-ms", "1000", "--transfer-hold-ttl-s", "10"}));
  auto p = make_payers(s);
  fund(s, p.payer.agent, 1000, "usdc");

  // The facilitator takes 3 s to settle: secud dies while it waits.
  std::thread payer([&] {
    (void)transfer(s, p.payer.key, x402("0xslow000000000000000000000000000000000000", 400));
  });
  for (int i = 0; i < 100; ++i) {
    if (http(url, "GET", "/requests").json().size() >= 2) break;  // /verify, /settle asked
    std::this_thread::sleep_for(50ms);
  }
  s.kill9();
  payer.join();
  s.start();

  // After the restart: the transfer is pending with its amount held, nothing moved.
  auto list = admin(s, "GET", "/v1/ledger/transfers?org_id=" + p.payer.org).json();
  REQUIRE(list["transfers"].size() == 2);
  CHECK(list["transfers"][0]["status"] == "pending");
  CHECK(wallet_held(s, p.payer.agent) == 400);
  CHECK(balance(s, p.payer.agent, "usdc") == 1000);
  CHECK(reconcile(s)["balanced"] == true);

  // Once the hold lapses the sweep releases it and fails the transfer.
  const auto id = list["transfers"][0]["id"].get<std::string>();
  json t;
  for (int i = 0; i < 150; ++i) {
    t = admin(s, "GET", "/v1/ledger/transfers/" + id).json();
    if (t["status"] != "pending") break;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(t["status"] == "failed");
  CHECK(t["failure_code"] == "hold_expired");
  CHECK(wallet_held(s, p.payer.agent) == 0);
  CHECK(balance(s, p.payer.agent, "usdc") == 1000);
  CHECK(reconcile(s)["balanced"] == true);
  CHECK(audit_count(s, p.payer.org, "ledger.hold.expire") == 1);
}
