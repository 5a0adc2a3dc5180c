// GET/POST /v1/billing/settings: defaults, validation (400, nothing written), audit, who may
// read and write, tenant scoping.
#include <catch2/catch.hpp>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

TEST_CASE("billing settings: defaults, update, validation, scoping", "[gateway][billing]") {
  Secud s(secud_with({"--fee-mode", "take_rate", "--take-rate-bps", "150"}));
  const auto org = make_org(s, "Billing");
  const auto other = make_org(s, "Other");

  auto d = admin(s, "GET", "/v1/billing/settings?org_id=" + org);
  INFO(d.body);
  REQUIRE(d.status == 200);
  auto j = d.json();
  CHECK(j["org_id"] == org);
  CHECK(j["currency"] == "usd");
  CHECK(j["collection_method"] == "send_invoice");
  CHECK(j["days_until_due"] == 30);
  CHECK(j["monthly_retainer_usd"] == 0);
  CHECK(j["stripe_enabled"] == false);
  CHECK(j["take_rate_bps"] == 150);
  CHECK(j["fee_mode"] == "take_rate");
  CHECK(j["fee_source"] == "default");
  CHECK_FALSE(j.contains("stripe_customer_id"));
  CHECK(admin(s, "GET", "/v1/billing/settings").status == 400);  // admin must name the org

  const auto audits = count_rows(s, "audit_log");
  for (const auto& bad :
       {json{{"org_id", org}, {"take_rate_bps", 10001}},
        json{{"org_id", org}, {"take_rate_bps", -1}}, json{{"org_id", org}, {"fee_mode", "free"}},
        json{{"org_id", org}, {"collection_method", "cash"}},
        json{{"org_id", org}, {"days_until_due", 400}},
        json{{"org_id", org}, {"currency", "dollars"}},
        json{{"org_id", org}, {"billing_email", "not-an-email"}},
        json{{"org_id", org}, {"monthly_retainer_usd", -5}},
        json{{"org_id", org}, {"fee_per_action_usd", "1"}},
        json{{"org_id", org}, {"stripe_customer_id", "acct_123"}},
        json{{"org_id", org}, {"unknown", 1}}}) {
    INFO(bad.dump());
    auto r = admin(s, "POST", "/v1/billing/settings", bad.dump());
    CHECK(r.status == 400);
    CHECK(r.json()["error"].contains("field"));
  }
  CHECK(admin(s, "POST", "/v1/billing/settings", "{").status == 400);
  CHECK(count_rows(s, "audit_log") == audits);
  CHECK(count_rows(s, "billing_settings") == 0);

  auto up = admin(s, "POST", "/v1/billing/settings",
                  json{{"org_id", org},
                       {"stripe_customer_id", "cus_ABC123"},
                       {"billing_email", "Billing@Example.com"},
                       {"monthly_retainer_usd", 49.99},
                       {"currency", "EUR"},
                       {"collection_method", "charge_automatically"},
                       {"days_until_due", 7},
                       {"take_rate_bps", 275}}
                      .dump());
  INFO(up.body);
  REQUIRE(up.status == 200);
  j = up.json();
  CHECK(j["stripe_customer_id"] == "cus_ABC123");
  CHECK(j["billing_email"] == "billing@example.com");
  CHECK(j["monthly_retainer_usd"] == 49.99);
  CHECK(j["currency"] == "eur");
  CHECK(j["collection_method"] == "charge_automatically");
  CHECK(j["days_until_due"] == 7);
  CHECK(j["take_rate_bps"] == 275);
  CHECK(j["fee_source"] == "org");
  CHECK(count_rows(s, "audit_log") == audits + 1);
  // A partial update keeps the rest.
  j = admin(s, "POST", "/v1/billing/settings", json{{"org_id", org}, {"days_until_due", 14}}.dump())
          .json();
  CHECK(j["days_until_due"] == 14);
  CHECK(j["take_rate_bps"] == 275);
  CHECK(j["billing_email"] == "billing@example.com");

  // Users: viewers read their own org; admins write it; nobody reaches another org.
  const auto viewer = make_user_token(s, org, "viewer", "v@billing.example");
  const auto approver = make_user_token(s, org, "approver", "ap@billing.example");
  const auto owner = make_user_token(s, org, "owner", "o@billing.example");
  const auto outsider = make_user_token(s, other, "admin", "x@other.example");
  auto mine = http(s.url(), "GET", "/v1/billing/settings", {}, bearer(viewer));
  CHECK(mine.status == 200);
  CHECK(mine.json()["org_id"] == org);
  CHECK(http(s.url(), "POST", "/v1/billing/settings", R"({"days_until_due":1})", bearer(viewer))
            .status == 403);
  CHECK(http(s.url(), "POST", "/v1/billing/settings", R"({"days_until_due":1})", bearer(approver))
            .status == 403);
  CHECK(http(s.url(), "POST", "/v1/billing/settings", R"({"days_until_due":1})").status == 401);
  CHECK(http(s.url(), "POST", "/v1/billing/settings", R"({"days_until_due":1})", bearer("junk"))
            .status == 401);
  CHECK(http(s.url(), "POST", "/v1/billing/settings", R"({"days_until_due":2})", bearer(owner))
            .status == 200);
  CHECK(http(s.url(), "GET", "/v1/billing/settings?org_id=" + org, {}, bearer(outsider)).status ==
        404);
  CHECK(http(s.url(), "POST", "/v1/billing/settings",
             json{{"org_id", org}, {"days_until_due", 3}}.dump(), bearer(outsider))
            .status == 404);
  CHECK(http(s.url(), "GET", "/v1/billing/summary?org_id=" + org, {}, bearer(outsider)).status ==
        404);
  CHECK(http(s.url(), "GET", "/v1/billing/events?org_id=" + org, {}, bearer(outsider)).status ==
        404);
  CHECK(admin(s, "GET", "/v1/billing/settings?org_id=org_nope").status == 404);

  // secuctl reads and writes them.
  auto set = secuctl({"--addr", s.url(), "--admin-token", s.admin_token(), "-o", "json", "billing",
                      "settings", "set", "--org", org, "--fee-mode", "per_action",
                      "--fee-per-action", "0.01"});
  INFO(set.err);
  REQUIRE(set.exit_code == 0);
  CHECK(json::parse(set.out)["fee_mode"] == "per_action");
  auto get = secuctl({"--addr", s.url(), "--admin-token", s.admin_token(), "-o", "json", "billing",
                      "settings", "get", "--org", org});
  REQUIRE(get.exit_code == 0);
  CHECK(json::parse(get.out)["fee_per_action_usd"] == 0.01);

  // The state snapshot carries the stored settings.
  auto state = admin(s, "GET", "/v1/state?org_id=" + org).json();
  REQUIRE(state["billing_settings"].size() == 1);
  CHECK(state["billing_settings"][0]["org_id"] == org);
}
