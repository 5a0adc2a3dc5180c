// The ledger's own endpoints through the real secud and secuctl: funding (admin+, audited,
// from the funding account), wallets with balances, history with a cursor, reconciliation,
// bad input, unknown ids, another org's ids and missing or wrong credentials.
#include <catch2/catch.hpp>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/ledger_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

TEST_CASE("ledger: funding moves money from the funding account, history pages, reconcile",
          "[ledger]") {
  Secud s;
  const auto org = make_org(s, "Ledger Org");
  const auto agent = make_agent(s, org, "saver");

  auto t = fund(s, agent, 1000);
  CHECK(t["kind"] == "funding");
  CHECK(t["status"] == "settled");
  CHECK(t["amount"] == 1000);
  CHECK(t["amount_usd"] == 10.0);
  CHECK(t["to_agent_id"] == agent);
  CHECK(t["org_id"] == org);
  fund(s, agent, 200);
  fund(s, agent, 30);
  CHECK(balance(s, agent) == 1230);

  // The funding account is the other side of every funding: minus what was funded.
  auto sys = admin(s, "GET", "/v1/ledger/wallets?owner_type=system").json();
  REQUIRE(sys["wallets"].size() == 1);
  CHECK(sys["wallets"][0]["owner_id"] == "funding");
  CHECK(sys["wallets"][0]["balance"] == -1230);

  auto wallets = admin(s, "GET", "/v1/ledger/wallets?org_id=" + org).json();
  REQUIRE(wallets["wallets"].size() == 1);
  const auto wallet_id = wallets["wallets"][0]["id"].get<std::string>();
  auto w = admin(s, "GET", "/v1/ledger/wallets/" + wallet_id).json();
  CHECK(w["balance"] == 1230);
  CHECK(w["available"] == 1230);
  CHECK(w["held"] == 0);
  CHECK(w["agent_id"] == agent);
  CHECK(w["currency"] == "usd");

  // History: newest first, two per page.
  auto p1 = admin(s, "GET", "/v1/ledger/transfers?limit=2&wallet_id=" + wallet_id).json();
  REQUIRE(p1["transfers"].size() == 2);
  CHECK(p1["transfers"][0]["amount"] == 30);
  CHECK(p1["transfers"][1]["amount"] == 200);
  REQUIRE(p1.contains("next_cursor"));
  auto p2 = admin(s, "GET",
                  "/v1/ledger/transfers?limit=2&wallet_id=" + wallet_id +
                      "&cursor=" + p1["next_cursor"].get<std::string>())
                .json();
  REQUIRE(p2["transfers"].size() == 1);
  CHECK(p2["transfers"][0]["amount"] == 1000);
  CHECK_FALSE(p2.contains("next_cursor"));
  auto one = admin(s, "GET", "/v1/ledger/transfers/" + t["id"].get<std::string>());
  CHECK(one.status == 200);
  CHECK(one.json()["id"] == t["id"]);

  auto r = reconcile(s);
  CHECK(r["balanced"] == true);
  CHECK(r["scope"] == "platform");
  REQUIRE(r["currencies"].size() == 1);
  CHECK(r["currencies"][0]["sum"] == 0);
  CHECK(r["currencies"][0]["entries"] == 6);

  // Every funding is audited.
  CHECK(audit_count(s, org, "ledger.fund") == 3);
}

TEST_CASE("ledger: the org's own wallet, other currencies, an org admin funds its own org",
          "[ledger]") {
  Secud s;
  const auto org = make_org(s, "Org Wallets");
  const auto tok = make_user_token(s, org, "admin", "admin@wallets.test");
  auto r = http(s.url(), "POST", "/v1/ledger/fund",
                json{{"currency", "EUR"}, {"amount", 500}, {"note", "seed"}}.dump(), bearer(tok));
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json()["currency"] == "eur");
  CHECK(r.json()["metadata"]["note"] == "seed");
  auto mine = http(s.url(), "GET", "/v1/ledger/wallets", "", bearer(tok)).json();
  REQUIRE(mine["wallets"].size() == 1);
  CHECK(mine["wallets"][0]["owner_type"] == "org");
  CHECK(mine["wallets"][0]["owner_id"] == org);
  CHECK(mine["wallets"][0]["balance"] == 500);
  auto scoped = http(s.url(), "GET", "/v1/ledger/reconcile", "", bearer(tok));
  REQUIRE(scoped.status == 200);
  CHECK(scoped.json()["scope"] == "org");
  CHECK(scoped.json()["balanced"] == true);
  CHECK_FALSE(scoped.json().contains("currencies"));
}

TEST_CASE("ledger: fund rejects bad input and writes nothing", "[ledger]") {
  Secud s;
  const auto org = make_org(s, "Bad Input");
  const auto agent = make_agent(s, org, "a");
  const json bad[] = {
      {{"agent_id", agent}, {"amount", 5}},                                 // no currency
      {{"agent_id", agent}, {"currency", "usd"}},                           // no amount
      {{"agent_id", agent}, {"currency", "usd"}, {"amount", 0}},            // not positive
      {{"agent_id", agent}, {"currency", "usd"}, {"amount", -3}},           // negative
      {{"agent_id", agent}, {"currency", "usd"}, {"amount", "5"}},          // wrong type
      {{"agent_id", agent}, {"currency", "usd"}, {"amount", 1.5}},          // not integer
      {{"agent_id", agent}, {"currency", "u$d"}, {"amount", 5}},            // bad code
      {{"agent_id", agent}, {"currency", 840}, {"amount", 5}},              // wrong type
      {{"agent_id", agent}, {"currency", "usd"}, {"amount", 5}, {"x", 1}},  // unknown field
      {{"agent_id", 7}, {"currency", "usd"}, {"amount", 5}},                // wrong type
  };
  for (const auto& b : bad) {
    auto r = admin(s, "POST", "/v1/ledger/fund", b.dump());
    INFO(b.dump() << " → " << r.body);
    CHECK(r.status == 400);
    CHECK(r.json()["error"].contains("field"));
  }
  CHECK(admin(s, "POST", "/v1/ledger/fund", "{not json").status == 400);
  // The platform admin funding an org wallet must say which org.
  CHECK(
      admin(s, "POST", "/v1/ledger/fund", json{{"currency", "usd"}, {"amount", 5}}.dump()).status ==
      400);
  CHECK(count_rows(s, "ledger_transfers") == 0);
  CHECK(count_rows(s, "ledger_entries") == 0);
}

TEST_CASE("ledger: unknown ids, another org's ids and credentials", "[ledger]") {
  Secud s;
  const auto org_a = make_org(s, "A");
  const auto org_b = make_org(s, "B");
  const auto agent_a = make_agent(s, org_a, "a");
  fund(s, agent_a, 100);
  const auto wallet_a =
      admin(s, "GET", "/v1/ledger/wallets?agent_id=" + agent_a).json()["wallets"][0]["id"];
  const auto tok_b = make_user_token(s, org_b, "admin", "admin@b.test");
  const auto viewer_a = make_user_token(s, org_a, "viewer", "viewer@a.test");
  const auto member_a = make_user_token(s, org_a, "member", "member@a.test");

  // Unknown.
  CHECK(admin(s, "POST", "/v1/ledger/fund",
              json{{"agent_id", "agt_nope"}, {"currency", "usd"}, {"amount", 5}}.dump())
            .status == 404);
  CHECK(admin(s, "POST", "/v1/ledger/fund",
              json{{"org_id", "org_nope"}, {"currency", "usd"}, {"amount", 5}}.dump())
            .status == 404);
  CHECK(admin(s, "GET", "/v1/ledger/wallets/wal_nope").status == 404);
  CHECK(admin(s, "GET", "/v1/ledger/transfers/tx_nope").status == 404);

  // Another org's: 404, never its data.
  auto other =
      http(s.url(), "POST", "/v1/ledger/fund",
           json{{"agent_id", agent_a}, {"currency", "usd"}, {"amount", 5}}.dump(), bearer(tok_b));
  CHECK(other.status == 404);
  CHECK(http(s.url(), "POST", "/v1/ledger/fund",
             json{{"org_id", org_a}, {"currency", "usd"}, {"amount", 5}}.dump(), bearer(tok_b))
            .status == 404);
  CHECK(http(s.url(), "GET", "/v1/ledger/wallets/" + wallet_a.get<std::string>(), "", bearer(tok_b))
            .status == 404);
  CHECK(http(s.url(), "GET", "/v1/ledger/wallets?org_id=" + org_a, "", bearer(tok_b)).status ==
        404);
  CHECK(http(s.url(), "GET", "/v1/ledger/transfers?wallet_id=" + wallet_a.get<std::string>(), "",
             bearer(tok_b))
            .status == 404);
  CHECK(http(s.url(), "GET", "/v1/ledger/wallets", "", bearer(tok_b)).json()["wallets"].empty());
  CHECK(http(s.url(), "GET", "/v1/ledger/wallets?owner_type=system", "", bearer(tok_b)).status ==
        400);

  // Roles and credentials: funding needs admin+.
  const auto body = json{{"agent_id", agent_a}, {"currency", "usd"}, {"amount", 5}}.dump();
  CHECK(http(s.url(), "POST", "/v1/ledger/fund", body, bearer(viewer_a)).status == 403);
  CHECK(http(s.url(), "POST", "/v1/ledger/fund", body, bearer(member_a)).status == 403);
  CHECK(http(s.url(), "POST", "/v1/ledger/fund", body).status == 401);
  CHECK(http(s.url(), "POST", "/v1/ledger/fund", body, bearer("not-a-token")).status == 401);
  CHECK(http(s.url(), "POST", "/v1/ledger/fund", body, {{"X-Secu-Admin-Token", "wrong"}}).status ==
        401);
  CHECK(http(s.url(), "GET", "/v1/ledger/wallets").status == 401);
  CHECK(http(s.url(), "GET", "/v1/ledger/reconcile").status == 401);
  // The viewer reads its own org.
  CHECK(http(s.url(), "GET", "/v1/ledger/wallets", "", bearer(viewer_a)).json()["wallets"].size() ==
        1);
  CHECK(balance(s, agent_a) == 100);
  CHECK(count_rows(s, "ledger_transfers") == 1);
}

TEST_CASE("ledger: secuctl ledger fund, wallets, history and reconcile", "[ledger][cli]") {
  Secud s;
  const auto org = make_org(s, "CLI Org");
  const auto agent = make_agent(s, org, "cli-bot");
  const std::vector<std::string> g = {"--addr", s.url(), "--admin-token", s.admin_token()};
  auto with = [&](std::vector<std::string> more) {
    auto v = g;
    v.insert(v.end(), more.begin(), more.end());
    return v;
  };
  auto f = secuctl(with(
      {"-o", "json", "ledger", "fund", "--agent", agent, "--currency", "usd", "--amount", "750"}));
  INFO(f.err);
  REQUIRE(f.exit_code == 0);
  CHECK(json::parse(f.out)["amount"] == 750);

  auto w = secuctl(with({"ledger", "wallets", "--agent", agent}));
  REQUIRE(w.exit_code == 0);
  CHECK(w.out.find("750") != std::string::npos);
  CHECK(w.out.find("BALANCE") != std::string::npos);

  auto h = secuctl(with({"-o", "json", "ledger", "history", "--org", org}));
  REQUIRE(h.exit_code == 0);
  CHECK(json::parse(h.out)["transfers"].size() == 1);

  auto r = secuctl(with({"ledger", "reconcile"}));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("true") != std::string::npos);

  auto bad = secuctl(
      with({"ledger", "fund", "--agent", "agt_nope", "--currency", "usd", "--amount", "5"}));
  CHECK(bad.exit_code == 4);
}
