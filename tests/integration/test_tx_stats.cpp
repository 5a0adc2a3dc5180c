// GET /v1/tx/stats (scoped by principal) and GET /v1/public/tx/stats (no credentials, totals
// only) through the real secud and secuctl: arithmetic, periods, scoping, and that the public
// answer names no org, agent, wallet or address.
#include <catch2/catch.hpp>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/ledger_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

json stats_transfer(const std::string& to, int64_t amount) {
  return {{"rail", "internal"}, {"currency", "usd"}, {"amount", amount}, {"to_agent_id", to}};
}

}  // namespace

TEST_CASE("tx stats: totals per org and across the network", "[tx][stats]") {
  Secud s(secud_with({"--take-rate-bps", "100"}));
  auto a = make_payers(s);
  auto b = make_payers(s);
  fund(s, a.payer.agent, 10'000);
  fund(s, b.payer.agent, 10'000);
  for (int64_t amount : {100, 200, 300})
    REQUIRE(transfer(s, a.payer.key, stats_transfer(a.payee, amount)).status == 200);
  REQUIRE(transfer(s, b.payer.key, stats_transfer(b.payee, 50)).status == 200);
  REQUIRE(transfer(s, b.payer.key, stats_transfer(a.payee, 25)).status ==
          200);  // b pays into org a

  // Org a: its three, and the one it received from b.
  const auto tok_a = make_user_token(s, a.payer.org, "viewer", "viewer@a.stats");
  auto sa = http(s.url(), "GET", "/v1/tx/stats", "", bearer(tok_a));
  INFO(sa.body);
  REQUIRE(sa.status == 200);
  auto ja = sa.json();
  CHECK(ja["org_id"] == a.payer.org);
  CHECK(ja["count"] == 4);
  CHECK(ja["settled"] == 4);
  CHECK(ja["pending"] == 0);
  CHECK(ja["failed"] == 0);
  CHECK(ja["volume_micros"] == 6'250'000);
  CHECK(ja["volume_usd"] == 6.25);
  CHECK(ja["unique_payers"] == 2);
  CHECK(ja["unique_payees"] == 1);
  CHECK(ja["fees_micros"] == 62'500);
  REQUIRE(ja["volume"].size() == 1);
  CHECK(ja["volume"][0]["rail"] == "internal");
  CHECK(ja["volume"][0]["currency"] == "usd");
  CHECK(ja["volume"][0]["amount"] == 625);
  CHECK(ja["volume"][0]["count"] == 4);

  // The platform admin: everything (fundings are not transfers).
  auto all = admin(s, "GET", "/v1/tx/stats").json();
  CHECK(all["count"] == 5);
  CHECK(all["volume_micros"] == 6'750'000);
  CHECK(all["unique_payers"] == 2);
  CHECK(all["unique_payees"] == 2);
  CHECK_FALSE(all.contains("org_id"));

  // Public: the same totals, nobody named.
  auto pub = http(s.url(), "GET", "/v1/public/tx/stats");
  REQUIRE(pub.status == 200);
  auto jp = pub.json();
  CHECK(jp["count"] == 5);
  CHECK(jp["volume_usd"] == 6.75);
  CHECK(jp["fees_usd"] == 0.0675);
  CHECK(jp["unique_payers"] == 2);
  CHECK_FALSE(jp.contains("org_id"));
  for (const char* prefix : {"org_", "agt_", "wal_", "tx_", "key_", "evt_", "0x"})
    CHECK(pub.body.find(prefix) == std::string::npos);

  // Periods: a window in the past holds nothing; bad and empty windows are 400.
  auto past = http(s.url(), "GET", "/v1/public/tx/stats?from=2020-01-01&to=2020-02-01").json();
  CHECK(past["count"] == 0);
  CHECK(past["from"] == "2020-01-01T00:00:00.000Z");
  CHECK(http(s.url(), "GET", "/v1/public/tx/stats?from=yesterday").status == 400);
  CHECK(http(s.url(), "GET", "/v1/tx/stats?from=2030-01-02&to=2030-01-01", "", bearer(tok_a))
            .status == 400);
  auto def = admin(s, "GET", "/v1/tx/stats").json();
  CHECK(def["count"] == 5);  // the default window is the last 30 days

  // Scoping: another org's id is 404; no credentials 401.
  CHECK(http(s.url(), "GET", "/v1/tx/stats?org_id=" + b.payer.org, "", bearer(tok_a)).status ==
        404);
  CHECK(http(s.url(), "GET", "/v1/tx/stats").status == 401);
  CHECK(http(s.url(), "GET", "/v1/tx/stats", "", bearer("nope")).status == 401);
  CHECK(admin(s, "GET", "/v1/tx/stats?org_id=" + b.payer.org).json()["count"] == 2);

  // secuctl.
  auto cli = secuctl({"--addr", s.url(), "--admin-token", s.admin_token(), "-o", "json", "tx",
                      "stats", "--org", a.payer.org});
  INFO(cli.err);
  REQUIRE(cli.exit_code == 0);
  CHECK(json::parse(cli.out)["count"] == 4);
  auto pcli = secuctl({"--addr", s.url(), "tx", "public-stats"}, {{"SECU_ADMIN_TOKEN", ""}});
  INFO(pcli.err);
  REQUIRE(pcli.exit_code == 0);
  CHECK(pcli.out.find("UNIQUE_PAYERS") != std::string::npos);
}
