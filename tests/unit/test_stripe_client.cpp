// The Stripe client's pure parts (form encoding, error mapping, key masking) and the invoice
// arithmetic of libsecu (periods, idempotency keys, JSON), without a network.
#include <catch2/catch.hpp>

#include "integrations/stripe_client.hpp"
#include "secu/billing_stripe.hpp"
#include "secu/clock.hpp"

using namespace secu;
using nlohmann::json;

TEST_CASE("stripe form encoding: nested keys, arrays, escaping", "[stripe]") {
  CHECK(daemon::form_encode(json::object()) == "");
  CHECK(daemon::form_encode(json{{"email", "a+b@x.test"}}) == "email=a%2Bb%40x.test");
  // nlohmann keeps object keys sorted: the order is deterministic, so the idempotency hash is.
  CHECK(daemon::form_encode(json{{"amount", 1234},
                                 {"metadata", {{"org_id", "org_1"}, {"line", "fees"}}},
                                 {"period", {{"start", 1}, {"end", 2}}}}) ==
        "amount=1234&metadata[line]=fees&metadata[org_id]=org_1&period[end]=2&period[start]=1");
  CHECK(daemon::form_encode(json{{"expand", {"lines", "customer"}}}) ==
        "expand[0]=lines&expand[1]=customer");
  CHECK(daemon::form_encode(json{{"items", {{{"price", "p_1"}, {"quantity", 2}}}}}) ==
        "items[0][price]=p_1&items[0][quantity]=2");
  CHECK(daemon::form_encode(json{{"auto_advance", false}, {"skip", nullptr}}) ==
        "auto_advance=false");
  CHECK(daemon::form_encode(json{{"name", "Acme & Co = 100%"}}) ==
        "name=Acme%20%26%20Co%20%3D%20100%25");
  CHECK(daemon::form_encode(json{{"metadata", {{"a b", "c"}}}}) == "metadata[a%20b]=c");
}

TEST_CASE("stripe errors map to 502 with Stripe's code and message, never a key", "[stripe]") {
  auto e = daemon::stripe_error(402, R"({"error":{"type":"card_error","code":"card_declined",
      "decline_code":"insufficient_funds","message":"Your card was declined.","param":"source"}})");
  CHECK(http_status(e.kind) == 502);
  CHECK(e.code == "stripe_error");
  CHECK(e.message == "Stripe: Your card was declined.");
  CHECK(e.extra["stripe_status"] == "402");
  CHECK(e.extra["stripe_type"] == "card_error");
  CHECK(e.extra["stripe_code"] == "card_declined");
  CHECK(e.extra["stripe_decline_code"] == "insufficient_funds");
  CHECK(e.extra["stripe_param"] == "source");

  e = daemon::stripe_error(
      401,
      R"({"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_live_abcdefgh1234"}})");
  CHECK(http_status(e.kind) == 502);
  CHECK(e.message.find("sk_live") == std::string::npos);
  CHECK(e.message.find("[redacted]") != std::string::npos);
  CHECK(e.extra.count("stripe_code") == 0);

  e = daemon::stripe_error(500, "<html>oops</html>");
  CHECK(http_status(e.kind) == 502);
  CHECK(e.code == "stripe_bad_response");
  CHECK(e.extra["stripe_status"] == "500");

  CHECK(daemon::mask_stripe_keys("k sk_test_ABC_123 and rk_live_x*y and sk_nothing") ==
        "k [redacted] and [redacted] and sk_nothing");
}

TEST_CASE("invoice periods: default last full UTC month, from/to, errors", "[stripe]") {
  namespace bs = billing::stripe;
  const int64_t now = *parse_time("2026-11-26T19:00:00Z");
  auto p = bs::invoice_period({}, {}, now);
  REQUIRE(p.ok());
  CHECK(format_rfc3339(p->from_ms) == "2026-10-01T00:00:00.000Z");
  CHECK(format_rfc3339(p->to_ms) == "2026-11-01T00:00:00.000Z");
  // January: the last full month is December of the year before.
  p = bs::invoice_period({}, {}, *parse_time("2027-01-03T00:00:00Z"));
  CHECK(format_rfc3339(p->from_ms) == "2026-12-01T00:00:00.000Z");
  p = bs::invoice_period(std::string("2026-11-01"), std::string("2026-12-01"), now);
  CHECK(format_rfc3339(p->from_ms) == "2026-11-01T00:00:00.000Z");
  CHECK(format_rfc3339(p->to_ms) == "2026-12-01T00:00:00.000Z");
  p = bs::invoice_period(std::string("2026-02-01"), {}, now);
  CHECK(format_rfc3339(p->to_ms) == "2026-03-01T00:00:00.000Z");
  p = bs::invoice_period({}, std::string("2026-09-01"), now);
  CHECK(format_rfc3339(p->from_ms) == "2026-08-01T00:00:00.000Z");
  p = bs::invoice_period(std::string("2026-12-01"), std::string("2026-11-01"), now);
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().field == "from");
  p = bs::invoice_period(std::string("yesterday"), {}, now);
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().field == "from");
  p = bs::invoice_period({}, std::string("2026-13-01"), now);
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().field == "to");
}

TEST_CASE("invoice requests: validation, idempotency keys, JSON", "[stripe]") {
  namespace bs = billing::stripe;
  bs::InvoiceRequest req;
  req.period = {1000, 2000};
  CHECK(bs::validate(req).ok());
  req.collection_method = "cash";
  CHECK(bs::validate(req).error().field == "collection_method");
  req.collection_method = "charge_automatically";
  req.days_until_due = 10;
  CHECK(bs::validate(req).error().field == "days_until_due");
  req.collection_method = "send_invoice";
  req.days_until_due = 366;
  CHECK(bs::validate(req).error().field == "days_until_due");

  store::StripeInvoiceRow r;
  r.id = "sinv_abc";
  r.org_id = "org_1";
  r.period_start = *parse_time("2026-11-01");
  r.period_end = *parse_time("2026-12-01");
  r.fee_micros = 37'500;
  r.fee_cents = 4;
  r.retainer_cents = 4999;
  r.total_cents = 5003;
  r.status = "pending";
  r.currency = "usd";
  r.collection_method = "send_invoice";
  r.days_until_due = 30;
  r.stripe_customer_id = "cus_1";
  CHECK(bs::idempotency_key(r, bs::Step::kFeesItem) == "secu-sinv_abc-fees_item");
  CHECK(bs::idempotency_key(r, bs::Step::kFinalize) == "secu-sinv_abc-finalize");
  auto j = bs::invoice_json(r);
  CHECK(j["amount_due_usd"] == 50.03);
  CHECK(j["fees_usd"] == 0.04);
  CHECK(j["retainer_usd"] == 49.99);
  CHECK(j["period_start"] == "2026-11-01T00:00:00.000Z");
  CHECK_FALSE(j.contains("stripe_invoice_id"));
  CHECK_FALSE(j.contains("hosted_invoice_url"));
  for (const auto& [k, v] : j.items()) {
    INFO(k);
    CHECK_FALSE(v.is_null());
  }
  r.amount_due_cents = 4000;  // Stripe's amount wins once known (a credit balance applied)
  CHECK(bs::invoice_json(r)["amount_due_usd"] == 40.0);
}
