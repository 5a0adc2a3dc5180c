// The stripe rail of POST /v1/tx/transfer against a Stripe-compatible server on 127.0.0.1
// (tests/peers/stripe-server.js: payment_intents with Stripe's test payment methods): a settled
// PaymentIntent (hold posted to the settlement account, billing event, audit), a card decline
// (Stripe's 402 → 502, the hold voided, nothing moved), a PaymentIntent needing action
// (cancelled, 502), idempotent replay (Stripe not asked again) and not configured.
#include <catch2/catch.hpp>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/ledger_helpers.hpp"
#include "support/peers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

#define REQUIRE_PEERS()                                        \
  if (!node_peers_available()) {                               \
    WARN("skipped: node and tests/peers/node_modules needed"); \
    return;                                                    \
  }

SecudOptions stripe_secud(const StripeServer& stripe) {
  SecudOptions o;
  o.args = {"--stripe-api-base", stripe.url()};
  o.env["SECU_STRIPE_SECRET_KEY"] = StripeServer::kSecretKey;
  return o;
}

json pay(int64_t amount, const std::string& token, const std::string& key = {}) {
  json b = {{"rail", "stripe"},      {"currency", "usd"},
            {"amount", amount},      {"shared_payment_token", token},
            {"mandate_id", "mnd_9"}, {"metadata", {{"order", "o-17"}}}};
  if (!key.empty()) b["idempotency_key"] = key;
  return b;
}

// The POSTs Secu made to /v1/payment_intents… (the test's own GETs left out).
std::vector<json> intents_asked(const StripeServer& stripe) {
  std::vector<json> out;
  for (auto& r : stripe.requests())
    if (r["method"] == "POST" && r["path"].get<std::string>().rfind("/v1/payment_intents", 0) == 0)
      out.push_back(r);
  return out;
}

int64_t held(const Secud& s, const std::string& agent) {
  const auto body = admin(s, "GET", "/v1/ledger/wallets?agent_id=" + agent).json();
  return body["wallets"][0]["held"].get<int64_t>();
}

int64_t settlement_balance(const Secud& s) {
  auto sys = admin(s, "GET", "/v1/ledger/wallets?owner_type=system").json();
  for (const auto& w : sys["wallets"])
    if (w["owner_id"] == "stripe_settlement") return w["balance"].get<int64_t>();
  return 0;
}

}  // namespace

TEST_CASE("stripe rail: a confirmed PaymentIntent settles the transfer", "[tx][stripe]") {
  REQUIRE_PEERS();
  StripeServer stripe;
  Secud s(stripe_secud(stripe));
  auto p = make_payers(s);
  fund(s, p.payer.agent, 5000);

  auto r = transfer(s, p.payer.key, pay(250, "spt_test_granted_1", "order-17"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto t = r.json();
  CHECK(t["status"] == "settled");
  CHECK(t["rail"] == "stripe");
  CHECK(t["amount"] == 250);
  CHECK(t["amount_usd"] == 2.5);
  CHECK(t["mandate_id"] == "mnd_9");
  const std::string pi = t["external_ref"];
  CHECK(pi.rfind("pi_", 0) == 0);
  CHECK(r.body.find("spt_test_granted_1") == std::string::npos);
  CHECK(balance(s, p.payer.agent) == 4750);
  CHECK(held(s, p.payer.agent) == 0);
  CHECK(settlement_balance(s) == 250);
  CHECK(reconcile(s)["balanced"] == true);

  // What Stripe was asked: one PaymentIntent, confirmed with the granted token, keyed by the
  // transfer, naming it in its metadata.
  auto asked = intents_asked(stripe);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0]["method"] == "POST");
  CHECK(asked[0]["idempotency_key"] == "secu-transfer-" + t["id"].get<std::string>());
  const std::string form = asked[0]["body"];
  for (const std::string& part : std::vector<std::string>{
           "amount=250", "currency=usd", "confirm=true",
           "payment_method_data[shared_payment_granted_token]=spt_test_granted_1",
           "automatic_payment_methods[allow_redirects]=never", "metadata[order]=o-17",
           "metadata[transfer_id]=" + t["id"].get<std::string>()}) {
    CHECK(form.find(part) != std::string::npos);
  }
  auto intent = stripe.get("/v1/payment_intents/" + pi);
  CHECK(intent["status"] == "succeeded");
  CHECK(intent["amount"] == 250);

  // The billing event counts the amount; one settle audit entry.
  auto e = settled_event(s, t["event_id"]);
  CHECK(e["action"] == "tx.transfer");
  CHECK(e["cost_usd"] == 2.5);
  CHECK(audit_count(s, p.payer.org, "tx.transfer") == 1);
  CHECK(audit_count(s, p.payer.org, "tx.transfer.settle") == 1);

  // Replay: the first answer, Stripe not asked again, nothing moves.
  auto again = transfer(s, p.payer.key, pay(250, "spt_test_granted_1", "order-17"));
  CHECK(again.status == 200);
  CHECK(again.header("Idempotent-Replayed") == "true");
  CHECK(again.json()["id"] == t["id"]);
  CHECK(intents_asked(stripe).size() == 1);
  CHECK(balance(s, p.payer.agent) == 4750);
  // Same key, other body: 409.
  auto other = transfer(s, p.payer.key, pay(300, "spt_test_granted_1", "order-17"));
  CHECK(other.status == 409);
  CHECK(other.json()["error"]["code"] == "idempotency_conflict");

  // A Stripe payment method id goes as payment_method.
  auto pm = transfer(s, p.payer.key, pay(100, "pm_card_visa"));
  REQUIRE(pm.status == 200);
  CHECK(pm.json()["status"] == "settled");
  CHECK(intents_asked(stripe).back()["body"].get<std::string>().find(
            "payment_method=pm_card_visa") != std::string::npos);
  CHECK(balance(s, p.payer.agent) == 4650);
  CHECK(reconcile(s)["balanced"] == true);
}

TEST_CASE("stripe rail: a card decline answers 502 and moves nothing", "[tx][stripe]") {
  REQUIRE_PEERS();
  StripeServer stripe;
  Secud s(stripe_secud(stripe));
  auto p = make_payers(s);
  fund(s, p.payer.agent, 1000);

  auto r = transfer(s, p.payer.key, pay(400, "pm_card_chargeDeclined", "try-1"));
  INFO(r.body);
  REQUIRE(r.status == 502);
  const auto err = r.json()["error"];
  CHECK(err["code"] == "stripe_error");
  CHECK(err["stripe_status"] == "402");
  CHECK(err["stripe_code"] == "card_declined");
  CHECK(err["failure_code"] == "generic_decline");
  const std::string id = err["transfer_id"];
  CHECK(id.rfind("tx_", 0) == 0);
  CHECK(balance(s, p.payer.agent) == 1000);
  CHECK(held(s, p.payer.agent) == 0);
  CHECK(settlement_balance(s) == 0);
  CHECK(reconcile(s)["balanced"] == true);

  // The failed transfer is recorded as failed; its billing event costs nothing.
  auto t = admin(s, "GET", "/v1/ledger/transfers/" + id).json();
  CHECK(t["status"] == "failed");
  CHECK(t["failure_code"] == "generic_decline");
  auto e = settled_event(s, err["event_id"]);
  CHECK(e["cost_usd"] == 0.0);
  CHECK(e["fee_usd"] == 0.0);

  // Replay answers the failure again without asking Stripe.
  auto again = transfer(s, p.payer.key, pay(400, "pm_card_chargeDeclined", "try-1"));
  CHECK(again.status == 502);
  CHECK(again.header("Idempotent-Replayed") == "true");
  CHECK(again.json()["error"]["transfer_id"] == id);
  CHECK(intents_asked(stripe).size() == 1);

  // A PaymentIntent that needs the buyer's action is cancelled, not left to complete later.
  auto action = transfer(s, p.payer.key, pay(300, "pm_card_authenticationRequired"));
  REQUIRE(action.status == 502);
  CHECK(action.json()["error"]["code"] == "stripe_payment_incomplete");
  CHECK(action.json()["error"]["failure_code"] == "payment_intent_requires_action");
  const std::string pi = action.json()["error"]["payment_intent_id"];
  CHECK(stripe.get("/v1/payment_intents/" + pi)["status"] == "canceled");
  CHECK(balance(s, p.payer.agent) == 1000);
  CHECK(held(s, p.payer.agent) == 0);

  auto stats = admin(s, "GET", "/v1/tx/stats?org_id=" + p.payer.org).json();
  CHECK(stats["failed"] == 2);
  CHECK(stats["settled"] == 0);
  CHECK(reconcile(s)["balanced"] == true);
}

TEST_CASE("stripe rail: not configured or bad input answers 400 and writes nothing",
          "[tx][stripe]") {
  REQUIRE_PEERS();
  StripeServer stripe;
  SecudOptions o;
  o.args = {"--stripe-api-base", stripe.url()};  // no secret key
  Secud s(o);
  auto p = make_payers(s);
  fund(s, p.payer.agent, 1000);
  const auto events = count_rows(s, "billing_events");
  auto r = transfer(s, p.payer.key, pay(100, "spt_test_secret_token"));
  CHECK(r.status == 400);
  CHECK(r.json()["error"]["code"] == "rail_not_configured");
  CHECK(r.body.find("spt_test_secret_token") == std::string::npos);
  CHECK(count_rows(s, "billing_events") == events);
  CHECK(count_rows(s, "ledger_transfers") == 1);  // the funding only
  CHECK(stripe.requests().empty());

  // Configured, but a currency Stripe cannot charge, or no token: 400 with the field.
  Secud s2(stripe_secud(stripe));
  auto p2 = make_payers(s2);
  fund(s2, p2.payer.agent, 1000, "usdc");
  auto usdc = transfer(s2, p2.payer.key,
                       json{{"rail", "stripe"},
                            {"currency", "usdc"},
                            {"amount", 100},
                            {"shared_payment_token", "spt_x"}});
  CHECK(usdc.status == 400);
  CHECK(usdc.json()["error"]["field"] == "currency");
  auto no_token =
      transfer(s2, p2.payer.key, json{{"rail", "stripe"}, {"currency", "usd"}, {"amount", 100}});
  CHECK(no_token.status == 400);
  CHECK(no_token.json()["error"]["field"] == "shared_payment_token");
  auto addr = transfer(s2, p2.payer.key,
                       json{{"rail", "stripe"},
                            {"currency", "usd"},
                            {"amount", 100},
                            {"to_address", "0xabc"},
                            {"shared_payment_token", "spt_x"}});
  CHECK(addr.status == 400);
  CHECK(addr.json()["error"]["field"] == "to_address");
  CHECK(count_rows(s2, "ledger_transfers") == 1);
  CHECK(stripe.requests().empty());
}
