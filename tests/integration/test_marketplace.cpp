// The marketplace through the real secud and secuctl: listing an agent (PATCH), the listings,
// hiring with and without charge_now, idempotency, insufficient funds, bad input, unknown and
// other orgs' ids, roles and credentials.
#include <catch2/catch.hpp>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/ledger_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

struct Market {
  std::string seller_org, seller, buyer_org, buyer_admin;
};

Market make_market(const Secud& s) {
  Market m;
  m.seller_org = make_org(s, "Seller");
  m.seller = make_agent(s, m.seller_org, "translator");
  m.buyer_org = make_org(s, "Buyer");
  m.buyer_admin = make_user_token(s, m.buyer_org, "admin", "admin@buyer.test");
  auto listed = admin(s, "PATCH", "/v1/agents/" + m.seller,
                      json{{"listed", true}, {"price", 2.5}, {"pricing_model", "per_day"}}.dump());
  INFO(listed.body);
  REQUIRE(listed.status == 200);
  return m;
}

Response hire(const Secud& s, const std::string& token, const json& body) {
  return http(s.url(), "POST", "/v1/marketplace/hire", body.dump(), bearer(token));
}

void fund_org(const Secud& s, const std::string& org, int64_t amount) {
  auto r = admin(s, "POST", "/v1/ledger/fund",
                 json{{"org_id", org}, {"currency", "usd"}, {"amount", amount}}.dump());
  REQUIRE(r.status == 200);
}

}  // namespace

TEST_CASE("marketplace: listing an agent, the listings, unlisting", "[marketplace]") {
  Secud s;
  auto m = make_market(s);
  auto a = admin(s, "GET", "/v1/agents/" + m.seller).json();
  CHECK(a["listed"] == true);
  CHECK(a["price"] == 2.5);
  CHECK(a["pricing_model"] == "per_day");
  auto l = http(s.url(), "GET", "/v1/marketplace/listings", "", bearer(m.buyer_admin)).json();
  REQUIRE(l["listings"].size() == 1);
  CHECK(l["listings"][0]["agent_id"] == m.seller);
  CHECK(l["listings"][0]["price"] == 2.5);
  CHECK_FALSE(l["listings"][0].contains("daily_budget"));

  // Listing needs terms; bad terms are 400.
  const auto other = make_agent(s, m.seller_org, "no-terms");
  CHECK(admin(s, "PATCH", "/v1/agents/" + other, json{{"listed", true}}.dump()).status == 400);
  CHECK(admin(s, "PATCH", "/v1/agents/" + other,
              json{{"listed", true}, {"price", 1}, {"pricing_model", "per_year"}}.dump())
            .status == 400);
  CHECK(admin(s, "PATCH", "/v1/agents/" + other, json{{"listed", "yes"}}.dump()).status == 400);
  CHECK(admin(s, "PATCH", "/v1/agents/" + other, json{{"price", -1}}.dump()).status == 400);
  // A killed agent leaves the listings; unlisting too.
  REQUIRE(admin(s, "POST", "/v1/kill-switch/" + m.seller).status == 200);
  CHECK(admin(s, "GET", "/v1/marketplace/listings").json()["listings"].empty());
  REQUIRE(admin(s, "POST", "/v1/agents/" + m.seller + "/enable").status == 200);
  REQUIRE(admin(s, "PATCH", "/v1/agents/" + m.seller, json{{"listed", false}}.dump()).status ==
          200);
  CHECK(admin(s, "GET", "/v1/marketplace/listings").json()["listings"].empty());
  CHECK(http(s.url(), "GET", "/v1/marketplace/listings").status == 401);
}

TEST_CASE("marketplace: hire with and without charge_now, idempotent", "[marketplace]") {
  Secud s(secud_with({"--take-rate-bps", "200"}));
  auto m = make_market(s);

  auto plain = hire(s, m.buyer_admin, json{{"to_agent_id", m.seller}, {"daily_budget_usd", 10}});
  INFO(plain.body);
  REQUIRE(plain.status == 200);
  auto h = plain.json();
  CHECK(h["id"].get<std::string>().rfind("hire_", 0) == 0);
  CHECK(h["status"] == "active");
  CHECK(h["org_id"] == m.buyer_org);
  CHECK(h["to_org_id"] == m.seller_org);
  CHECK(h["pricing_model"] == "per_day");
  CHECK(h["price_usd"] == 2.5);
  CHECK(h["daily_budget_usd"] == 10.0);
  CHECK_FALSE(h.contains("charge"));

  // charge_now: 250 cents from the buyer org's wallet to the seller agent's wallet.
  fund_org(s, m.buyer_org, 1000);
  const json body = {{"to_agent_id", m.seller},
                     {"pricing_model", "per_day"},
                     {"charge_now", true},
                     {"idempotency_key", "hire-1"}};
  auto charged = hire(s, m.buyer_admin, body);
  INFO(charged.body);
  REQUIRE(charged.status == 200);
  auto c = charged.json();
  CHECK(c["status"] == "settled");
  CHECK(c["charge"]["amount"] == 250);
  CHECK(c["charge"]["fee_usd"] == 0.05);
  CHECK(c["charge"]["to_agent_id"] == m.seller);
  CHECK(balance(s, m.seller) == 250);
  CHECK(reconcile(s)["balanced"] == true);
  CHECK(audit_count(s, m.buyer_org, "marketplace.hire") == 2);

  // Replay: the same hire, nothing moves; another body with the key: 409.
  auto again = hire(s, m.buyer_admin, body);
  REQUIRE(again.status == 200);
  CHECK(again.header("Idempotent-Replayed") == "true");
  CHECK(again.json()["id"] == c["id"]);
  CHECK(balance(s, m.seller) == 250);
  auto conflict = hire(s, m.buyer_admin,
                       json{{"to_agent_id", m.seller},
                            {"charge_now", true},
                            {"idempotency_key", "hire-1"},
                            {"amount", 100}});
  CHECK(conflict.status == 409);
  CHECK(conflict.json()["error"]["code"] == "idempotency_conflict");

  // Not enough in the wallet: 409, no hire recorded.
  const auto hires_before = count_rows(s, "marketplace_hires");
  auto poor = hire(s, m.buyer_admin,
                   json{{"to_agent_id", m.seller}, {"charge_now", true}, {"amount", 5000}});
  CHECK(poor.status == 409);
  CHECK(poor.json()["error"]["code"] == "insufficient_funds");
  CHECK(count_rows(s, "marketplace_hires") == hires_before);
  CHECK(balance(s, m.seller) == 250);

  // Both orgs see the hire; stats count the charge.
  auto mine = http(s.url(), "GET", "/v1/marketplace/hires", "", bearer(m.buyer_admin)).json();
  CHECK(mine["hires"].size() == 2);
  const auto seller_viewer = make_user_token(s, m.seller_org, "viewer", "v@seller.test");
  auto theirs = http(s.url(), "GET", "/v1/marketplace/hires/" + c["id"].get<std::string>(), "",
                     bearer(seller_viewer));
  CHECK(theirs.status == 200);
  CHECK(theirs.json()["charge"]["amount"] == 250);
  auto st = http(s.url(), "GET", "/v1/tx/stats", "", bearer(m.buyer_admin)).json();
  CHECK(st["count"] == 1);
  CHECK(st["volume_micros"] == 2'500'000);
}

TEST_CASE("marketplace: the linked key pays the hired agent, within its cap, and no one else",
          "[marketplace]") {
  Secud s;
  auto m = make_market(s);
  const auto bystander = make_agent(s, m.seller_org, "bystander");
  const auto audit_before = count_rows(s, "audit_log");

  auto r =
      hire(s, m.buyer_admin,
           json{{"to_agent_id", m.seller}, {"daily_budget_usd", 3}, {"idempotency_key", "k1"}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto h = r.json();
  REQUIRE(h.contains("key"));
  const std::string secret = h["key"]["key"];
  const std::string payer = h["payer_agent_id"];
  CHECK(secret.rfind("sk_secu_", 0) == 0);
  CHECK(h["key"]["id"] == h["key_id"]);
  CHECK(h["key"]["agent_id"] == payer);
  // The payer agent and its policy live in the hiring org, capped by daily_budget_usd.
  auto agent = http(s.url(), "GET", "/v1/agents/" + payer, "", bearer(m.buyer_admin)).json();
  CHECK(agent["org_id"] == m.buyer_org);
  CHECK(agent["daily_budget"] == 3.0);
  auto pol = http(s.url(), "GET", "/v1/policies/" + h["policy_id"].get<std::string>(), "",
                  bearer(m.buyer_admin))
                 .json();
  CHECK(pol["allowed_actions"] == json::array({"tx.transfer"}));
  auto key =
      http(s.url(), "GET", "/v1/keys/" + h["key_id"].get<std::string>(), "", bearer(m.buyer_admin))
          .json();
  CHECK(key["agent_id"] == payer);
  CHECK_FALSE(key.contains("vendor_id"));
  // policy.create, agent.create, key.create and marketplace.hire: one write job, four entries.
  CHECK(count_rows(s, "audit_log") == audit_before + 4);

  // A replay answers the hire without the secret.
  auto again =
      hire(s, m.buyer_admin,
           json{{"to_agent_id", m.seller}, {"daily_budget_usd", 3}, {"idempotency_key", "k1"}});
  REQUIRE(again.status == 200);
  CHECK(again.json()["key_id"] == h["key_id"]);
  CHECK_FALSE(again.json().contains("key"));
  CHECK(again.body.find(secret) == std::string::npos);

  // The key pays the hired agent from the payer's wallet.
  fund(s, payer, 1000);
  auto paid = transfer(
      s, secret,
      {{"rail", "internal"}, {"currency", "usd"}, {"amount", 150}, {"to_agent_id", m.seller}});
  INFO(paid.body);
  CHECK(paid.status == 200);
  CHECK(balance(s, m.seller) == 150);
  CHECK(balance(s, payer) == 850);
  // Anyone else: denied (payee_not_allowed), nothing moves.
  auto elsewhere = transfer(
      s, secret,
      {{"rail", "internal"}, {"currency", "usd"}, {"amount", 10}, {"to_agent_id", bystander}});
  CHECK(elsewhere.status == 403);
  CHECK(elsewhere.json()["error"]["code"] == "policy_denied");
  CHECK(elsewhere.json()["error"]["deny_reason"] == "payee_not_allowed");
  CHECK(balance(s, bystander) == 0);
  // The cap: 1.50 spent of 3.00 today; 2.00 more is over it.
  auto over = transfer(
      s, secret,
      {{"rail", "internal"}, {"currency", "usd"}, {"amount", 200}, {"to_agent_id", m.seller}});
  CHECK(over.status == 403);
  CHECK(over.json()["error"]["code"] == "budget_exceeded");
  CHECK(balance(s, m.seller) == 150);
  // The key calls no vendor through the gateway.
  auto gw = http(s.url(), "GET", "/v1/gateway/anything", "", bearer(secret));
  CHECK(gw.status == 403);
  CHECK(gw.json()["error"]["code"] == "payer_key");
  // The seller sees the hire, not the buyer's payer agent, policy or key.
  const auto seller_viewer = make_user_token(s, m.seller_org, "viewer", "v@seller.test");
  auto theirs = http(s.url(), "GET", "/v1/marketplace/hires/" + h["id"].get<std::string>(), "",
                     bearer(seller_viewer))
                    .json();
  CHECK(theirs["to_agent_id"] == m.seller);
  CHECK_FALSE(theirs.contains("payer_agent_id"));
  CHECK_FALSE(theirs.contains("key_id"));
  // Revoking the key (an ordinary key of the buyer) stops the payments.
  REQUIRE(http(s.url(), "DELETE", "/v1/keys/" + h["key_id"].get<std::string>(), "",
               bearer(m.buyer_admin))
              .status == 200);
  CHECK(transfer(
            s, secret,
            {{"rail", "internal"}, {"currency", "usd"}, {"amount", 1}, {"to_agent_id", m.seller}})
            .status == 401);
  CHECK(reconcile(s)["balanced"] == true);
}

TEST_CASE("marketplace: hire input, ids, orgs and credentials", "[marketplace]") {
  Secud s;
  auto m = make_market(s);
  const auto unlisted = make_agent(s, m.seller_org, "private");
  const auto own = make_agent(s, m.buyer_org, "own");
  REQUIRE(admin(s, "PATCH", "/v1/agents/" + own,
                json{{"listed", true}, {"price", 1}, {"pricing_model", "fixed"}}.dump())
              .status == 200);
  const std::vector<std::pair<json, std::string>> bad = {
      {json::object(), "to_agent_id"},
      {{{"to_agent_id", 5}}, "to_agent_id"},
      {{{"to_agent_id", m.seller}, {"charge_now", "yes"}}, "charge_now"},
      {{{"to_agent_id", m.seller}, {"daily_budget_usd", -1}}, "daily_budget_usd"},
      {{{"to_agent_id", m.seller}, {"amount", 0}}, "amount"},
      {{{"to_agent_id", m.seller}, {"rail", "pigeon"}}, "rail"},
      {{{"to_agent_id", m.seller}, {"pricing_model", "per_call"}}, "pricing_model"},
      {{{"to_agent_id", m.seller}, {"colour", "red"}}, "colour"},
      {{{"to_agent_id", own}}, "to_agent_id"},
  };
  for (const auto& [b, field] : bad) {
    auto r = hire(s, m.buyer_admin, b);
    INFO(b.dump() << " → " << r.body);
    CHECK(r.status == 400);
    CHECK(r.json()["error"]["field"] == field);
  }
  CHECK(hire(s, m.buyer_admin, {{"to_agent_id", "agt_nope"}}).status == 404);
  auto not_listed = hire(s, m.buyer_admin, {{"to_agent_id", unlisted}});
  CHECK(not_listed.status == 409);
  CHECK(not_listed.json()["error"]["code"] == "agent_not_listed");
  auto x402 =
      hire(s, m.buyer_admin, {{"to_agent_id", m.seller}, {"charge_now", true}, {"rail", "x402"}});
  CHECK(x402.status == 400);
  CHECK(x402.json()["error"]["code"] == "rail_not_supported");
  CHECK(x402.json()["error"]["field"] == "rail");
  // Another org's id as the hiring org: 404.
  CHECK(hire(s, m.buyer_admin, {{"to_agent_id", m.seller}, {"org_id", m.seller_org}}).status ==
        404);
  // Roles and credentials.
  const auto member = make_user_token(s, m.buyer_org, "member", "m@buyer.test");
  CHECK(hire(s, member, {{"to_agent_id", m.seller}}).status == 403);
  CHECK(http(s.url(), "POST", "/v1/marketplace/hire", json{{"to_agent_id", m.seller}}.dump())
            .status == 401);
  CHECK(hire(s, "wrong", {{"to_agent_id", m.seller}}).status == 401);
  CHECK(count_rows(s, "marketplace_hires") == 0);
  // The platform admin names the hiring org.
  CHECK(admin(s, "POST", "/v1/marketplace/hire", json{{"to_agent_id", m.seller}}.dump()).status ==
        400);
  CHECK(admin(s, "POST", "/v1/marketplace/hire",
              json{{"to_agent_id", m.seller}, {"org_id", m.buyer_org}}.dump())
            .status == 200);
  // Someone else's hire is 404.
  const auto third = make_user_token(s, make_org(s, "Third"), "admin", "a@third.test");
  const auto hid = admin(s, "GET", "/v1/marketplace/hires").json()["hires"][0]["id"];
  CHECK(http(s.url(), "GET", "/v1/marketplace/hires/" + hid.get<std::string>(), "", bearer(third))
            .status == 404);
  CHECK(http(s.url(), "GET", "/v1/marketplace/hires", "", bearer(third)).json()["hires"].empty());
}

TEST_CASE("marketplace: secuctl lists, hires and shows hires", "[marketplace][cli]") {
  Secud s;
  auto m = make_market(s);
  fund_org(s, m.buyer_org, 500);
  const std::vector<std::string> g = {"--addr", s.url(), "--admin-token", s.admin_token()};
  auto with = [&](std::vector<std::string> more) {
    auto v = g;
    v.insert(v.end(), more.begin(), more.end());
    return v;
  };
  auto l = secuctl(with({"marketplace", "listings"}));
  INFO(l.err);
  REQUIRE(l.exit_code == 0);
  CHECK(l.out.find(m.seller) != std::string::npos);
  auto h = secuctl(with({"-o", "json", "marketplace", "hire", m.seller, "--org", m.buyer_org,
                         "--charge-now", "--daily-budget", "20"}));
  INFO(h.err);
  REQUIRE(h.exit_code == 0);
  CHECK(json::parse(h.out)["status"] == "settled");
  // The table shows the linked key's secret once, on its own line.
  auto t = secuctl(with({"marketplace", "hire", m.seller, "--org", m.buyer_org}));
  INFO(t.out);
  REQUIRE(t.exit_code == 0);
  CHECK(t.out.find("KEY (shown once)") != std::string::npos);
  CHECK(t.out.find("sk_secu_") != std::string::npos);
  auto hs = secuctl(with({"-o", "json", "marketplace", "hires", "--org", m.buyer_org}));
  REQUIRE(hs.exit_code == 0);
  CHECK(json::parse(hs.out)["hires"].size() == 2);
  CHECK(hs.out.find("sk_secu_") == std::string::npos);
  auto u = secuctl(with({"-o", "json", "agents", "update", m.seller, "--listed", "false"}));
  REQUIRE(u.exit_code == 0);
  CHECK(json::parse(u.out)["listed"] == false);
  auto missing = secuctl(with({"marketplace", "hire", "agt_nope", "--org", m.buyer_org}));
  CHECK(missing.exit_code == 4);
}
