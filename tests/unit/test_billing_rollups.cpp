// Billing totals from the rollups (an agent's, an org's and every org's rows per hour) and the
// edge hours (raw events) agree with a brute-force sum over the same events, for windows that
// start and end anywhere, after settlements moved costs and fees.
#include <catch2/catch.hpp>
#include <random>

#include "secu/store.hpp"
#include "secu/store/billing_events.hpp"
#include "support/fixture.hpp"

using namespace secu;
using namespace secu::store;

TEST_CASE("billing totals from rollups match a brute-force sum over any window",
          "[billing][rollups]") {
  constexpr int64_t kHour = 3'600'000;
  constexpr int64_t kStart = 1'790'000'000'000;
  test::TempDir tmp;
  auto opened = Store::open({.path = tmp.path() + "/b.db"});
  REQUIRE(opened.ok());
  auto& st = **opened;
  std::mt19937_64 rng(11);

  std::vector<BillingEventRow> all;
  for (int i = 0; i < 500; ++i) {
    BillingEventRow e;
    e.id = "evt_" + std::to_string(1000 + i);
    e.org_id = "org_" + std::to_string(rng() % 3);
    e.agent_id = e.org_id + "_agt_" + std::to_string(rng() % 4);
    e.key_id = "key";
    e.vendor_id = "vnd";
    e.request_id = "req";
    e.action = "http.get";
    e.method = "GET";
    e.path = "/";
    e.allow = rng() % 4 != 0;
    e.cost_micros = e.authorized_cost_micros = static_cast<int64_t>(rng() % 10'000);
    e.fee_micros = e.cost_micros / 10;
    e.metering_source = "pending";
    e.settled = rng() % 2 == 0;
    e.created_at = kStart + static_cast<int64_t>(rng() % (3 * 24)) * kHour +
                   static_cast<int64_t>(rng() % kHour);
    e.hour = e.created_at - e.created_at % kHour;
    e.day = e.created_at - e.created_at % (24 * kHour);
    all.push_back(e);
  }
  REQUIRE(st.write([&](WriteTx& tx) -> Status {
              for (const auto& e : all)
                SECU_TRY_VOID(insert_billing_event(tx.db, e));
              return {};
            }).ok());
  REQUIRE(st.write([&](WriteTx& tx) -> Status {
              for (auto& e : all) {
                if (e.settled) continue;
                auto after = e;
                after.cost_micros = static_cast<int64_t>(rng() % 20'000);
                after.fee_micros = after.cost_micros / 5;
                after.metering_source = "vendor_header";
                SECU_TRY(bool moved, settle_billing_event(tx.db, e, after));
                if (!moved) return Error::internal();
                e = after;
                e.settled = true;
              }
              return {};
            }).ok());

  std::vector<std::pair<int64_t, int64_t>> windows = {{kStart - kHour, kStart + 4 * 24 * kHour},
                                                      {kStart + kHour / 2, kStart + kHour}};
  for (int i = 0; i < 40; ++i) {
    const int64_t a = kStart + static_cast<int64_t>(rng() % (3 * 24 * kHour));
    windows.emplace_back(a, a + 1 + static_cast<int64_t>(rng() % (2 * 24 * kHour)));
  }
  const std::vector<std::pair<std::string, std::string>> scopes = {
      {"", ""}, {"org_0", ""}, {"org_2", ""}, {"org_1", "org_1_agt_3"}, {"org_9", ""}};
  for (const auto& [from, to] : windows) {
    for (const auto& [org, agent] : scopes) {
      INFO("org '" << org << "' agent '" << agent << "' [" << from << ", " << to << ")");
      BillingTotals want;
      for (const auto& e : all) {
        if (e.created_at < from || e.created_at >= to) continue;
        if (!org.empty() && e.org_id != org) continue;
        if (!agent.empty() && e.agent_id != agent) continue;
        want.total_events++;
        want.allowed_events += e.allow ? 1 : 0;
        want.cost_micros += e.cost_micros;
        want.fee_micros += e.fee_micros;
      }
      REQUIRE(st.read([&](Db& db) -> Status {
                  SECU_TRY(auto got, billing_totals(db, org, agent, from, to));
                  CHECK(got.total_events == want.total_events);
                  CHECK(got.allowed_events == want.allowed_events);
                  CHECK(got.cost_micros == want.cost_micros);
                  CHECK(got.fee_micros == want.fee_micros);
                  return {};
                }).ok());
    }
  }
}
