// Stripe billing against a Stripe-compatible server on 127.0.0.1 (tests/peers/stripe-server.js:
// stripe-stateful-mock plus invoice items, invoices and finalize): customers, invoices (made,
// repeated, resumed after a crash), Stripe's errors, timeouts, not configured, scoping, and
// the acceptance scenario through the real secuctl binary.
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "secu/billing.hpp"
#include "secu/clock.hpp"
#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"
#include "support/peers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

#define REQUIRE_PEERS()                                                                       \
  if (!node_peers_available()) {                                                              \
    WARN("node or tests/peers/node_modules missing: run packaging/install-deps.sh (npm ci)"); \
    return;                                                                                   \
  }

// A per-action fee of 1.25 cents: three actions are 3.75 cents, billed as 4 (rounded once, on
// the line) where rounding each event would give 3.
const std::vector<std::string> kFeeFlags = {"--fee-mode", "per_action", "--fee-per-action-usd",
                                            "0.0125"};

SecudOptions stripe_secud(const StripeServer& stripe, std::vector<std::string> extra = {}) {
  SecudOptions o;
  o.args = kFeeFlags;
  o.args.push_back("--stripe-api-base");
  o.args.push_back(stripe.url());
  o.args.insert(o.args.end(), extra.begin(), extra.end());
  o.env["SECU_STRIPE_SECRET_KEY"] = StripeServer::kSecretKey;
  return o;
}

// The current UTC month as dates [from, to): the gateway's events happen now.
std::pair<std::string, std::string> this_month() {
  const auto p = secu::billing::utc_month(secu::now_ms());
  return {secu::format_rfc3339(p.from_ms).substr(0, 10),
          secu::format_rfc3339(p.to_ms).substr(0, 10)};
}

// `n` allowed gateway calls in `org` (one agent, vendor, key), each settled.
void make_fees(const Secud& s, const Upstream& up, const std::string& org, int n) {
  auto g = provision_gateway(
      s, gateway_options(up.base_url(), json{{"allowed_actions", json::array()}}).in_org(org));
  for (int i = 0; i < n; ++i) {
    auto r = gw(s, g.key, "GET", "/echo/work", {}, {{"X-Secu-Cost-USD", "0.10"}});
    REQUIRE(r.status == 200);
    settled_event(s, r.header("X-Secu-Event-Id"));
  }
}

Response post(const Secud& s, const std::string& path, const json& body) {
  return admin(s, "POST", path, body.dump());
}

void set_retainer(const Secud& s, const std::string& org, double usd) {
  auto r = post(s, "/v1/billing/settings", {{"org_id", org}, {"monthly_retainer_usd", usd}});
  REQUIRE(r.status == 200);
}

std::string make_customer(const Secud& s, const std::string& org) {
  auto r = post(s, "/v1/billing/stripe/customer", {{"org_id", org}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.json()["stripe_customer_id"].get<std::string>();
}

std::vector<json> requests_to(const StripeServer& stripe, const std::string& method,
                              const std::string& path) {
  std::vector<json> out;
  for (auto& r : stripe.requests())
    if (r["method"] == method && r["path"] == path) out.push_back(r);
  return out;
}

std::vector<json> stripe_invoices(const StripeServer& stripe, const std::string& customer) {
  auto j = stripe.get("/v1/invoices?customer=" + customer);
  REQUIRE(j.contains("data"));
  return j["data"].get<std::vector<json>>();
}

int64_t audit_actions(const Secud& s, const std::string& org, const std::string& action) {
  auto r = admin(s, "GET", "/v1/audit/export.jsonl?org_id=" + org);
  REQUIRE(r.status == 200);
  int64_t n = 0;
  for (size_t pos = 0; (pos = r.body.find("\"" + action + "\"", pos)) != std::string::npos; ++pos)
    ++n;
  return n;
}

}  // namespace

TEST_CASE("stripe: not configured answers 400 stripe_not_configured, nothing written", "[stripe]") {
  Secud s;
  const auto org = make_org(s, "Unconfigured");
  const auto audits = count_rows(s, "audit_log");
  for (const auto* path : {"/v1/billing/stripe/customer", "/v1/billing/stripe/invoice"}) {
    auto r = post(s, path, {{"org_id", org}});
    INFO(path << " " << r.body);
    CHECK(r.status == 400);
    CHECK(r.json()["error"]["code"] == "stripe_not_configured");
  }
  CHECK(count_rows(s, "audit_log") == audits);
  CHECK(count_rows(s, "stripe_invoices") == 0);
  // The list is Secu's own records: it answers without Stripe.
  auto l = admin(s, "GET", "/v1/billing/stripe/invoices?org_id=" + org);
  REQUIRE(l.status == 200);
  CHECK(l.json()["invoices"].empty());

  // A key file that cannot be read is no configuration either (and the operator's log says so).
  SecudOptions o;
  o.args = {"--stripe-secret-key-file", "/nonexistent/stripe.key"};
  Secud s2(o);
  const auto org2 = make_org(s2, "Unreadable");
  auto r = post(s2, "/v1/billing/stripe/invoice", {{"org_id", org2}});
  CHECK(r.status == 400);
  CHECK(r.json()["error"]["code"] == "stripe_not_configured");
  CHECK(count_rows(s2, "stripe_invoices") == 0);
}

TEST_CASE("stripe customer: created with Stripe's conventions, then answered as already set",
          "[stripe]") {
  REQUIRE_PEERS();
  StripeServer stripe;
  Secud s(stripe_secud(stripe));
  const auto org = make_org(s, "Acme Robots");
  REQUIRE(post(s, "/v1/billing/settings", {{"org_id", org}, {"billing_email", "ap@acme.test"}})
              .status == 200);

  auto r = post(s, "/v1/billing/stripe/customer", {{"org_id", org}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto j = r.json();
  const auto cus = j["stripe_customer_id"].get<std::string>();
  CHECK(cus.rfind("cus_", 0) == 0);
  CHECK(j["already_set"] == false);
  CHECK(j["stripe_enabled"] == true);
  CHECK(j["email"] == "ap@acme.test");
  CHECK(j["name"] == "Acme Robots");

  // What went over the wire: Bearer key, pinned version, idempotency key, nested form keys.
  auto sent = requests_to(stripe, "POST", "/v1/customers");
  REQUIRE(sent.size() == 1);
  CHECK(sent[0]["authorization"] == std::string("Bearer ") + StripeServer::kSecretKey);
  CHECK(sent[0]["stripe_version"] == "2024-06-20");
  CHECK(sent[0]["idempotency_key"].get<std::string>().rfind("secu-customer-" + org, 0) == 0);
  CHECK(sent[0]["content_type"] == "application/x-www-form-urlencoded");
  const auto form = sent[0]["body"].get<std::string>();
  CHECK(form.find("metadata[org_id]=" + org) != std::string::npos);
  CHECK(form.find("email=ap%40acme.test") != std::string::npos);
  CHECK(form.find("name=Acme%20Robots") != std::string::npos);
  // Stripe has it.
  auto at_stripe = stripe.get("/v1/customers/" + cus);
  CHECK(at_stripe["email"] == "ap@acme.test");
  CHECK(at_stripe["metadata"]["org_id"] == org);

  // Saved in the billing settings, audited once.
  auto set = admin(s, "GET", "/v1/billing/settings?org_id=" + org).json();
  CHECK(set["stripe_customer_id"] == cus);
  CHECK(set["stripe_enabled"] == true);
  CHECK(audit_actions(s, org, "billing.stripe.customer.create") == 1);

  // Again: the same customer, no call to Stripe, nothing written.
  const auto audits = count_rows(s, "audit_log");
  auto again = post(s, "/v1/billing/stripe/customer", {{"org_id", org}, {"name", "Other"}});
  REQUIRE(again.status == 200);
  CHECK(again.json()["stripe_customer_id"] == cus);
  CHECK(again.json()["already_set"] == true);
  CHECK(requests_to(stripe, "POST", "/v1/customers").size() == 1);
  CHECK(count_rows(s, "audit_log") == audits);

  // An org without billing_email gets its owner's address; name and email may be given.
  const auto org2 = make_org(s, "Beta");
  make_user_token(s, org2, "owner", "owner@beta.test");
  auto b = post(s, "/v1/billing/stripe/customer", {{"org_id", org2}});
  REQUIRE(b.status == 200);
  CHECK(b.json()["email"] == "owner@beta.test");
  const auto org3 = make_org(s, "Gamma");
  auto g = post(s, "/v1/billing/stripe/customer",
                {{"org_id", org3}, {"name", "Gamma Inc"}, {"email", "billing@gamma.test"}});
  REQUIRE(g.status == 200);
  CHECK(g.json()["name"] == "Gamma Inc");
  CHECK(stripe.get("/v1/customers/" + g.json()["stripe_customer_id"].get<std::string>())["email"] ==
        "billing@gamma.test");
}

TEST_CASE("stripe endpoints: bad input, credentials, roles and other orgs", "[stripe]") {
  REQUIRE_PEERS();
  StripeServer stripe;
  Secud s(stripe_secud(stripe));
  const auto org = make_org(s, "Mine");
  const auto other = make_org(s, "Theirs");
  const auto owner = make_user_token(s, org, "owner", "owner@mine.test");
  const auto viewer = make_user_token(s, org, "viewer", "viewer@mine.test");
  const auto audits = count_rows(s, "audit_log");

  struct Bad {
    const char* path;
    json body;
    const char* field;
  };
  const std::vector<Bad> bad = {
      {"/v1/billing/stripe/customer", json::object(), "org_id"},
      {"/v1/billing/stripe/customer", {{"org_id", 5}}, "org_id"},
      {"/v1/billing/stripe/customer", {{"org_id", org}, {"email", "nope"}}, "email"},
      {"/v1/billing/stripe/customer", {{"org_id", org}, {"name", 7}}, "name"},
      {"/v1/billing/stripe/customer", {{"org_id", org}, {"extra", 1}}, "extra"},
      {"/v1/billing/stripe/invoice", json::object(), "org_id"},
      {"/v1/billing/stripe/invoice", {{"org_id", org}, {"from", 20261101}}, "from"},
      {"/v1/billing/stripe/invoice", {{"org_id", org}, {"from", "yesterday"}}, "from"},
      {"/v1/billing/stripe/invoice", {{"org_id", org}, {"to", "2026-13-45"}}, "to"},
      {"/v1/billing/stripe/invoice",
       {{"org_id", org}, {"from", "2026-12-01"}, {"to", "2026-11-01"}},
       "from"},
      {"/v1/billing/stripe/invoice",
       {{"org_id", org}, {"collection_method", "cash"}},
       "collection_method"},
      {"/v1/billing/stripe/invoice", {{"org_id", org}, {"days_until_due", "30"}}, "days_until_due"},
      {"/v1/billing/stripe/invoice", {{"org_id", org}, {"days_until_due", 400}}, "days_until_due"},
      {"/v1/billing/stripe/invoice",
       {{"org_id", org}, {"collection_method", "charge_automatically"}, {"days_until_due", 3}},
       "days_until_due"},
      {"/v1/billing/stripe/invoice", {{"org_id", org}, {"amount", 1}}, "amount"},
  };
  for (const auto& b : bad) {
    auto r = post(s, b.path, b.body);
    INFO(b.path << " " << b.body.dump() << " → " << r.body);
    CHECK(r.status == 400);
    CHECK(r.json()["error"]["field"] == b.field);
  }
  CHECK(admin(s, "POST", "/v1/billing/stripe/customer", "{not json").status == 400);
  CHECK(admin(s, "POST", "/v1/billing/stripe/invoice", "[1]").status == 400);

  // No or wrong credentials: 401; a viewer may list but not create: 403.
  for (const auto* path : {"/v1/billing/stripe/customer", "/v1/billing/stripe/invoice"}) {
    const auto body = json{{"org_id", org}}.dump();
    CHECK(http(s.url(), "POST", path, body).status == 401);
    CHECK(http(s.url(), "POST", path, body, bearer("not-a-token")).status == 401);
    CHECK(http(s.url(), "POST", path, body, {{"X-Secu-Admin-Token", "wrong"}}).status == 401);
    CHECK(http(s.url(), "POST", path, body, bearer(viewer)).status == 403);
    // Another org's id, or one that does not exist: 404 (no hint it exists).
    for (const auto& id : {other, std::string("org_doesnotexist")}) {
      auto r = http(s.url(), "POST", path, json{{"org_id", id}}.dump(), bearer(owner));
      INFO(path << " " << id << " " << r.body);
      CHECK(r.status == 404);
    }
    CHECK(post(s, path, {{"org_id", "org_doesnotexist"}}).status == 404);
  }
  CHECK(http(s.url(), "GET", "/v1/billing/stripe/invoices").status == 401);
  CHECK(http(s.url(), "GET", "/v1/billing/stripe/invoices", {}, bearer(viewer)).status == 200);
  CHECK(http(s.url(), "GET", "/v1/billing/stripe/invoices?org_id=" + other, {}, bearer(viewer))
            .status == 404);
  CHECK(http(s.url(), "GET", "/v1/billing/stripe/invoices?limit=0", {}, bearer(viewer)).status ==
        400);
  CHECK(admin(s, "GET", "/v1/billing/stripe/invoices/sinv_nope").status == 404);

  // Nothing was written and Stripe never called.
  CHECK(count_rows(s, "audit_log") == audits);
  CHECK(count_rows(s, "stripe_invoices") == 0);
  CHECK(count_rows(s, "billing_settings") == 0);
  CHECK(stripe.requests().empty());

  // The owner may act on their own org.
  auto mine = http(s.url(), "POST", "/v1/billing/stripe/customer", json{{"org_id", org}}.dump(),
                   bearer(owner));
  CHECK(mine.status == 200);
}

TEST_CASE("stripe invoice: fees plus retainer, finalized once, repeat answers the same",
          "[stripe]") {
  REQUIRE_PEERS();
  StripeServer stripe;
  Upstream up;
  Secud s(stripe_secud(stripe));
  const auto org = make_org(s, "Invoiced");
  const auto other = make_org(s, "Other tenant");
  const auto [from, to] = this_month();

  // Prerequisites are checked before anything is written or sent.
  auto nocus = post(s, "/v1/billing/stripe/invoice", {{"org_id", org}, {"from", from}, {"to", to}});
  CHECK(nocus.status == 400);
  CHECK(nocus.json()["error"]["code"] == "stripe_customer_missing");
  const auto cus = make_customer(s, org);
  auto empty = post(s, "/v1/billing/stripe/invoice", {{"org_id", org}, {"from", from}, {"to", to}});
  CHECK(empty.status == 400);
  CHECK(empty.json()["error"]["code"] == "nothing_to_invoice");
  CHECK(count_rows(s, "stripe_invoices") == 0);
  CHECK(requests_to(stripe, "POST", "/v1/invoiceitems").empty());

  make_fees(s, up, org, 3);
  make_fees(s, up, other, 2);  // another tenant's fees never reach this invoice
  set_retainer(s, org, 49.99);
  // Stripe billing switched off, or a currency the USD fees cannot be billed in: refused.
  REQUIRE(post(s, "/v1/billing/settings", {{"org_id", org}, {"stripe_enabled", false}}).status ==
          200);
  auto off = post(s, "/v1/billing/stripe/invoice", {{"org_id", org}, {"from", from}, {"to", to}});
  CHECK(off.status == 400);
  CHECK(off.json()["error"]["code"] == "stripe_disabled");
  REQUIRE(post(s, "/v1/billing/settings",
               {{"org_id", org}, {"stripe_enabled", true}, {"currency", "eur"}})
              .status == 200);
  auto eur = post(s, "/v1/billing/stripe/invoice", {{"org_id", org}, {"from", from}, {"to", to}});
  CHECK(eur.status == 400);
  CHECK(eur.json()["error"]["code"] == "currency_not_supported");
  REQUIRE(post(s, "/v1/billing/settings", {{"org_id", org}, {"currency", "usd"}}).status == 200);
  CHECK(count_rows(s, "stripe_invoices") == 0);
  const auto audits_before = count_rows(s, "audit_log");

  auto r = post(s, "/v1/billing/stripe/invoice", {{"org_id", org}, {"from", from}, {"to", to}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto inv = r.json();
  const auto in_id = inv["stripe_invoice_id"].get<std::string>();
  CHECK(in_id.rfind("in_", 0) == 0);
  CHECK(inv["id"].get<std::string>().rfind("sinv_", 0) == 0);
  CHECK(inv["org_id"] == org);
  CHECK(inv["period_start"] == from + "T00:00:00.000Z");
  CHECK(inv["period_end"] == to + "T00:00:00.000Z");
  CHECK(inv["status"] == "open");
  CHECK(inv["fees_usd"] == 0.04);  // 3 × 1.25 ¢ = 3.75 ¢, rounded once
  CHECK(inv["fee_micros"] == 37'500);
  CHECK(inv["retainer_usd"] == 49.99);
  CHECK(inv["amount_due_usd"] == 50.03);
  CHECK(inv["collection_method"] == "send_invoice");
  CHECK(inv["days_until_due"] == 30);
  CHECK(inv["already_exists"] == false);
  CHECK(inv["hosted_invoice_url"].get<std::string>().find(in_id) != std::string::npos);
  CHECK(inv.contains("number"));
  CHECK(inv.contains("created_at"));

  // Stripe's side: one finalized invoice of 50.03 with the two lines.
  auto at_stripe = stripe_invoices(stripe, cus);
  REQUIRE(at_stripe.size() == 1);
  CHECK(at_stripe[0]["id"] == in_id);
  CHECK(at_stripe[0]["status"] == "open");
  CHECK(at_stripe[0]["total"] == 5003);
  CHECK(at_stripe[0]["amount_due"] == 5003);
  CHECK(at_stripe[0]["collection_method"] == "send_invoice");
  CHECK(at_stripe[0]["days_until_due"] == 30);
  CHECK(at_stripe[0]["metadata"]["org_id"] == org);
  CHECK(at_stripe[0]["auto_advance"] == true);  // Stripe collects once it is final
  REQUIRE(at_stripe[0]["lines"]["data"].size() == 2);
  // Every POST had its own idempotency key and the pinned version.
  std::set<std::string> keys;
  for (auto& q : stripe.requests()) {
    if (q["method"] == "POST") {  // (GETs come from this test too)
      CHECK(q["stripe_version"] == "2024-06-20");
      REQUIRE(q["idempotency_key"].is_string());
      keys.insert(q["idempotency_key"].get<std::string>());
    }
  }
  CHECK(keys.size() == 5);  // customer, fees item, retainer item, invoice, finalize
  // Audited: the record, each Stripe step.
  CHECK(count_rows(s, "audit_log") == audits_before + 5);
  CHECK(audit_actions(s, org, "billing.stripe.invoice.create") == 1);
  CHECK(audit_actions(s, org, "billing.stripe.invoice.finalize") == 1);

  // Again: the same invoice, nothing sent to Stripe, nothing written.
  const auto sent = stripe.requests().size();
  auto again = post(s, "/v1/billing/stripe/invoice", {{"org_id", org}, {"from", from}, {"to", to}});
  REQUIRE(again.status == 200);
  CHECK(again.json()["stripe_invoice_id"] == in_id);
  CHECK(again.json()["id"] == inv["id"]);
  CHECK(again.json()["already_exists"] == true);
  CHECK(stripe.requests().size() == sent);
  CHECK(count_rows(s, "audit_log") == audits_before + 5);

  // `from` alone runs to the end of from's month: the same period, the same invoice.
  auto same = post(s, "/v1/billing/stripe/invoice", {{"org_id", org}, {"from", from}});
  CHECK(same.status == 200);
  CHECK(same.json()["id"] == inv["id"]);
  // A period overlapping it would bill the same fees twice.
  auto part = post(s, "/v1/billing/stripe/invoice",
                   {{"org_id", org}, {"from", from + "T12:00:00Z"}, {"to", to}});
  CHECK(part.status == 409);
  CHECK(part.json()["error"]["code"] == "invoice_period_overlap");
  CHECK(part.json()["error"]["invoice_id"] == inv["id"]);

  // List: scoped, newest first; get by id; another org's is 404.
  const auto cus_other = make_customer(s, other);
  auto inv2 = post(s, "/v1/billing/stripe/invoice",
                   {{"org_id", other}, {"collection_method", "charge_automatically"}, {"to", to}});
  INFO(inv2.body);
  REQUIRE(inv2.status == 200);
  CHECK(inv2.json()["collection_method"] == "charge_automatically");
  CHECK_FALSE(inv2.json().contains("days_until_due"));
  CHECK(stripe_invoices(stripe, cus_other).size() == 1);
  auto all = admin(s, "GET", "/v1/billing/stripe/invoices").json()["invoices"];
  REQUIRE(all.size() == 2);
  CHECK(all[0]["org_id"] == other);  // newest first
  CHECK(all[1]["org_id"] == org);
  auto mine = admin(s, "GET", "/v1/billing/stripe/invoices?org_id=" + org).json()["invoices"];
  REQUIRE(mine.size() == 1);
  CHECK(mine[0]["stripe_invoice_id"] == in_id);
  CHECK(mine[0]["amount_due_usd"] == 50.03);
  CHECK(mine[0]["status"] == "open");
  auto page = admin(s, "GET", "/v1/billing/stripe/invoices?limit=1").json();
  CHECK(page["invoices"].size() == 1);
  CHECK(page.contains("next_cursor"));
  const auto viewer = make_user_token(s, org, "viewer", "viewer@invoiced.test");
  auto vlist = http(s.url(), "GET", "/v1/billing/stripe/invoices", {}, bearer(viewer));
  REQUIRE(vlist.status == 200);
  CHECK(vlist.json()["invoices"].size() == 1);
  const auto id = inv["id"].get<std::string>();
  CHECK(http(s.url(), "GET", "/v1/billing/stripe/invoices/" + id, {}, bearer(viewer)).status ==
        200);
  CHECK(http(s.url(), "GET", "/v1/billing/stripe/invoices/" + inv2.json()["id"].get<std::string>(),
             {}, bearer(viewer))
            .status == 404);
}

TEST_CASE("stripe errors surface as 502 with Stripe's code and message, never the key",
          "[stripe]") {
  REQUIRE_PEERS();
  StripeServer stripe;
  Upstream up;
  Secud s(stripe_secud(stripe));
  const auto org = make_org(s, "Declined");
  const auto cus = make_customer(s, org);
  make_fees(s, up, org, 1);
  set_retainer(s, org, 10);
  const auto [from, to] = this_month();
  const json body = {{"org_id", org}, {"from", from}, {"to", to}};

  // A card error on the first call: 502 with Stripe's fields. Stripe made nothing, so the
  // record is abandoned and asking again makes the invoice afresh.
  stripe.fail_next("POST", "/v1/invoiceitems", 402,
                   {{"type", "card_error"},
                    {"code", "card_declined"},
                    {"decline_code", "generic_decline"},
                    {"message", "Your card was declined."}});
  auto r = post(s, "/v1/billing/stripe/invoice", body);
  INFO(r.body);
  REQUIRE(r.status == 502);
  auto e = r.json()["error"];
  CHECK(e["code"] == "stripe_error");
  CHECK(e["stripe_code"] == "card_declined");
  CHECK(e["stripe_status"] == "402");
  CHECK(e["stripe_type"] == "card_error");
  CHECK(e["stripe_decline_code"] == "generic_decline");
  CHECK(e["message"].get<std::string>().find("Your card was declined.") != std::string::npos);
  CHECK(admin(s, "GET", "/v1/billing/stripe/invoices?org_id=" + org).json()["invoices"].empty());

  // A refusal after the items were made (400 on the invoice): the row stays half-made...
  stripe.fail_next("POST", "/v1/invoices", 400,
                   {{"type", "invalid_request_error"},
                    {"code", "invoice_no_customer_line_items"},
                    {"message", "Nothing to invoice for customer"}});
  auto half = post(s, "/v1/billing/stripe/invoice", body);
  INFO(half.body);
  REQUIRE(half.status == 502);
  CHECK(half.json()["error"]["stripe_status"] == "400");
  CHECK(half.json()["error"]["stripe_code"] == "invoice_no_customer_line_items");
  auto listed = admin(s, "GET", "/v1/billing/stripe/invoices?org_id=" + org).json()["invoices"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["status"] == "pending");
  CHECK(stripe_invoices(stripe, cus).empty());
  // ...and asked again it resumes: one invoice, the items made once, the right total.
  auto resumed = post(s, "/v1/billing/stripe/invoice", body);
  INFO(resumed.body);
  REQUIRE(resumed.status == 200);
  CHECK(resumed.json()["resumed"] == true);
  CHECK(resumed.json()["status"] == "open");
  auto at_stripe = stripe_invoices(stripe, cus);
  REQUIRE(at_stripe.size() == 1);
  CHECK(at_stripe[0]["total"] == 1001);  // 1.25 ¢ → 1 ¢, plus 10.00
  CHECK(stripe.get("/v1/invoiceitems?customer=" + cus)["data"].size() == 2);

  // Stripe's 404 (the customer was deleted on Stripe's side).
  const auto org2 = make_org(s, "Gone");
  const auto cus2 = make_customer(s, org2);
  set_retainer(s, org2, 5);
  stripe.del("/v1/customers/" + cus2);
  const json body2 = {{"org_id", org2}, {"from", from}, {"to", to}};
  auto gone = post(s, "/v1/billing/stripe/invoice", body2);
  REQUIRE(gone.status == 502);
  CHECK(gone.json()["error"]["stripe_code"] == "resource_missing");
  CHECK(gone.json()["error"]["stripe_status"] == "404");
  // Stripe made nothing: the record is abandoned (audited), so a fixed setting takes effect.
  CHECK(admin(s, "GET", "/v1/billing/stripe/invoices?org_id=" + org2).json()["invoices"].empty());
  CHECK(audit_actions(s, org2, "billing.stripe.invoice.abandon") == 1);
  auto fresh = http(stripe.url(), "POST", "/v1/customers", "email=new%40gone.test",
                    {{"Authorization", std::string("Bearer ") + StripeServer::kSecretKey}},
                    "application/x-www-form-urlencoded");
  REQUIRE(fresh.status == 200);
  const auto cus3 = fresh.json()["id"].get<std::string>();
  REQUIRE(
      post(s, "/v1/billing/settings", {{"org_id", org2}, {"stripe_customer_id", cus3}}).status ==
      200);
  auto fixed = post(s, "/v1/billing/stripe/invoice", body2);
  INFO(fixed.body);
  REQUIRE(fixed.status == 200);
  CHECK(fixed.json()["stripe_customer_id"] == cus3);
  CHECK(fixed.json()["already_exists"] == false);
  REQUIRE(stripe_invoices(stripe, cus3).size() == 1);
  CHECK(stripe_invoices(stripe, cus3)[0]["total"] == 500);

  // A key Stripe refuses (401): its message quotes the key, ours masks it.
  TempDir dir;
  const std::string bad_key = "sk_live_0123456789abcdefSECRET";
  { std::ofstream(dir.path() + "/stripe.key") << bad_key << "\n"; }
  Secud s2(stripe_secud(stripe, {"--stripe-secret-key-file", dir.path() + "/stripe.key"}));
  const auto org3 = make_org(s2, "Bad key");
  auto denied = post(s2, "/v1/billing/stripe/customer", {{"org_id", org3}});
  INFO(denied.body);
  REQUIRE(denied.status == 502);
  CHECK(denied.json()["error"]["stripe_status"] == "401");
  CHECK(denied.body.find("0123456789abcdef") == std::string::npos);
  CHECK(denied.body.find("SECRET") == std::string::npos);
  // The key file wins over SECU_STRIPE_SECRET_KEY: the request carried the file's key.
  CHECK(requests_to(stripe, "POST", "/v1/customers").back()["authorization"] ==
        "Bearer " + bad_key);
  s2.stop();
  CHECK(s2.err().find("0123456789abcdef") == std::string::npos);
  CHECK(s.err().find(StripeServer::kSecretKey) == std::string::npos);
}

TEST_CASE("stripe unreachable or silent: 502 stripe_unreachable, 504 stripe_timeout", "[stripe]") {
  REQUIRE_PEERS();
  {
    SecudOptions o;
    o.args = {"--stripe-api-base", "http://127.0.0.1:1"};
    o.env["SECU_STRIPE_SECRET_KEY"] = StripeServer::kSecretKey;
    Secud s(o);
    const auto org = make_org(s, "Nowhere");
    auto r = post(s, "/v1/billing/stripe/customer", {{"org_id", org}});
    CHECK(r.status == 502);
    CHECK(r.json()["error"]["code"] == "stripe_unreachable");
  }
  StripeServer stripe;
  Secud s(stripe_secud(stripe, {"--stripe-timeout-s", "1"}));
  const auto org = make_org(s, "Slow");
  stripe.hold("POST", "/v1/customers");
  auto r = post(s, "/v1/billing/stripe/customer", {{"org_id", org}});
  stripe.release();
  INFO(r.body);
  CHECK(r.status == 504);
  CHECK(r.json()["error"]["code"] == "stripe_timeout");
  // Nothing saved; asked again with the same parameters, Stripe replays the customer it made.
  auto set = admin(s, "GET", "/v1/billing/settings?org_id=" + org).json();
  CHECK_FALSE(set.contains("stripe_customer_id"));
  auto again = post(s, "/v1/billing/stripe/customer", {{"org_id", org}});
  REQUIRE(again.status == 200);
  auto sent = requests_to(stripe, "POST", "/v1/customers");
  REQUIRE(sent.size() == 2);
  CHECK(sent[1]["replayed"] == true);
  CHECK(stripe.get("/v1/customers")["data"].size() == 1);
}

TEST_CASE("stripe invoice survives a crash between Stripe calls: one invoice, right total",
          "[stripe][crash]") {
  REQUIRE_PEERS();
  // Where secud dies: after Stripe made the fees item (its answer never arrives), or after
  // Stripe made the invoice.
  const auto crash_at = GENERATE(as<std::string>{}, "/v1/invoiceitems", "/v1/invoices");
  INFO("killed while Stripe answered POST " << crash_at);
  StripeServer stripe;
  Upstream up;
  Secud s(stripe_secud(stripe));
  const auto org = make_org(s, "Crashy");
  const auto cus = make_customer(s, org);
  make_fees(s, up, org, 3);
  set_retainer(s, org, 20);
  const auto [from, to] = this_month();
  const json body = {{"org_id", org}, {"from", from}, {"to", to}};

  stripe.hold("POST", crash_at);
  Response first;
  std::thread t([&] { first = post(s, "/v1/billing/stripe/invoice", body); });
  const bool held = stripe.wait_held(1);
  s.kill9();
  stripe.release();
  t.join();
  REQUIRE(held);
  CHECK(first.status == 0);  // no answer: secud died

  s.start();
  auto listed = admin(s, "GET", "/v1/billing/stripe/invoices?org_id=" + org).json()["invoices"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["status"] == "pending");
  auto r = post(s, "/v1/billing/stripe/invoice", body);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json()["resumed"] == true);
  CHECK(r.json()["status"] == "open");
  CHECK(r.json()["amount_due_usd"] == 20.04);

  auto at_stripe = stripe_invoices(stripe, cus);
  REQUIRE(at_stripe.size() == 1);
  CHECK(at_stripe[0]["id"] == r.json()["stripe_invoice_id"]);
  CHECK(at_stripe[0]["status"] == "open");
  CHECK(at_stripe[0]["total"] == 2004);
  CHECK(stripe.get("/v1/invoiceitems?customer=" + cus)["data"].size() == 2);
  // The repeated call was answered from Stripe's idempotency cache.
  int replayed = 0;
  for (auto& q : requests_to(stripe, "POST", crash_at))
    replayed += q["replayed"] == true ? 1 : 0;
  CHECK(replayed == 1);

  // And again: the same invoice.
  auto again = post(s, "/v1/billing/stripe/invoice", body);
  CHECK(again.json()["stripe_invoice_id"] == r.json()["stripe_invoice_id"]);
  CHECK(stripe_invoices(stripe, cus).size() == 1);
}

TEST_CASE("stripe acceptance through secuctl: customer, invoice, same invoice again",
          "[stripe][cli]") {
  REQUIRE_PEERS();
  StripeServer stripe;
  Upstream up;
  Secud s(stripe_secud(stripe));
  const auto org = make_org(s, "Acceptance");
  make_fees(s, up, org, 3);
  const auto [from, to] = this_month();
  const std::vector<std::string> base = {"--addr", s.url(), "--admin-token", s.admin_token()};
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> all = base;
    all.insert(all.end(), args.begin(), args.end());
    return secuctl(all);
  };

  auto set = run({"billing", "settings", "set", "--org", org, "--monthly-retainer", "100"});
  INFO(set.err);
  REQUIRE(set.exit_code == 0);
  auto cus = run({"-q", "billing", "customer", "create", "--org", org});
  INFO(cus.err);
  REQUIRE(cus.exit_code == 0);
  const auto cus_id = cus.out.substr(0, cus.out.find('\n'));
  CHECK(cus_id.rfind("cus_", 0) == 0);

  auto inv = run({"-q", "billing", "invoice", "--org", org, "--from", from, "--to", to});
  INFO(inv.err);
  REQUIRE(inv.exit_code == 0);
  const auto in_id = inv.out.substr(0, inv.out.find('\n'));
  CHECK(in_id.rfind("in_", 0) == 0);
  auto again = run({"-q", "billing", "invoice", "--org", org, "--from", from, "--to", to});
  REQUIRE(again.exit_code == 0);
  CHECK(again.out == inv.out);

  auto at_stripe = stripe_invoices(stripe, cus_id);
  REQUIRE(at_stripe.size() == 1);
  CHECK(at_stripe[0]["id"] == in_id);
  CHECK(at_stripe[0]["status"] == "open");
  CHECK(at_stripe[0]["total"] == 10004);  // 3 × 1.25 ¢ → 4 ¢, plus 100.00

  auto table = run({"billing", "invoice", "--org", org, "--from", from, "--to", to});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find(in_id) != std::string::npos);
  CHECK(table.out.find("100.04") != std::string::npos);
  auto list = run({"-o", "json", "billing", "invoices", "--org", org});
  REQUIRE(list.exit_code == 0);
  auto j = json::parse(list.out);
  REQUIRE(j["invoices"].size() == 1);
  CHECK(j["invoices"][0]["stripe_invoice_id"] == in_id);
  auto one =
      run({"-o", "json", "billing", "invoices", "get", j["invoices"][0]["id"].get<std::string>()});
  REQUIRE(one.exit_code == 0);
  CHECK(json::parse(one.out)["stripe_invoice_id"] == in_id);

  // A user acting on their own org need not name it.
  const auto org3 = make_org(s, "Self serve");
  const auto owner = make_user_token(s, org3, "owner", "owner@self.test");
  auto self = secuctl({"--addr", s.url(), "--token", owner, "-q", "billing", "customer", "create"});
  INFO(self.err);
  REQUIRE(self.exit_code == 0);
  CHECK(self.out.rfind("cus_", 0) == 0);
  auto mine = secuctl({"--addr", s.url(), "--token", owner, "-o", "json", "billing", "invoices"});
  REQUIRE(mine.exit_code == 0);
  CHECK(json::parse(mine.out)["invoices"].empty());

  // Errors: not configured is exit 1 with the server's code on stderr.
  Secud bare;
  const auto org2 = make_org(bare, "Bare");
  auto nc = secuctl({"--addr", bare.url(), "--admin-token", bare.admin_token(), "billing",
                     "customer", "create", "--org", org2});
  CHECK(nc.exit_code == 1);
  CHECK(nc.err.find("stripe_not_configured") != std::string::npos);
}
