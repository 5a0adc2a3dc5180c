// Budgets cannot be overspent, summaries add up exactly, and the kill-switch cuts open streams.
#include <httplib.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"

using namespace secu::test;
using nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("budget race: 64 concurrent requests at a budget that admits 10 pass exactly 10",
          "[gateway][budget]") {
  Secud s;
  Upstream up;
  // 10 × 0.1 = 1.0 exactly; an 11th would be 1.1.
  auto g = provision_gateway(
      s, gateway_options(up.base_url(), json{{"allowed_actions", json::array()}}).budget(1.0));
  constexpr int kRequests = 64;
  std::vector<std::future<int>> calls;
  std::promise<void> go;
  auto start = go.get_future().share();
  for (int i = 0; i < kRequests; ++i) {
    calls.push_back(std::async(std::launch::async, [&, start] {
      start.wait();
      return gw(s, g.key, "GET", "/echo/race", {}, {{"X-Secu-Cost-USD", "0.1"}}).status;
    }));
  }
  go.set_value();
  int allowed = 0, budget_denied = 0, other = 0;
  for (auto& c : calls) {
    const int st = c.get();
    if (st == 200) {
      ++allowed;
    } else if (st == 403) {
      ++budget_denied;
    } else {
      ++other;
    }
  }
  std::printf("budget race: %d requests, %d allowed, %d denied (budget_exceeded), %d other\n",
              kRequests, allowed, budget_denied, other);
  CHECK(allowed == 10);
  CHECK(budget_denied == kRequests - 10);
  CHECK(other == 0);
  CHECK(up.hits() == 10);
  auto sum = admin(s, "GET", "/v1/billing/summary?agent_id=" + g.agent).json();
  CHECK(sum["total_events"] == kRequests);
  CHECK(sum["allowed_events"] == 10);
  CHECK(sum["denied_events"] == kRequests - 10);
  // Settled: exactly the budget, not a micro more.
  for (int i = 0; i < 250 && sum["total_cost_micros"] != 1000000; ++i) {
    std::this_thread::sleep_for(20ms);
    sum = admin(s, "GET", "/v1/billing/summary?agent_id=" + g.agent).json();
  }
  CHECK(sum["total_cost_micros"] == 1000000);
}

TEST_CASE("billing summary: integer micro-USD over many events, no float drift",
          "[gateway][billing]") {
  Secud s(secud_with({"--take-rate-bps", "333"}));
  Upstream up;
  auto g = provision_gateway(
      s, gateway_options(up.base_url(),
                         json{{"allowed_actions", json::array()}, {"max_cost_per_request", 0.5}}));
  // 0.1 + 0.2 style amounts that drift in binary floating point.
  constexpr int kAllowed = 300;
  int64_t expect_cost = 0, expect_fee = 0;
  std::vector<std::future<void>> calls;
  std::mutex mu;
  for (int t = 0; t < 6; ++t) {
    calls.push_back(std::async(std::launch::async, [&, t] {
      for (int i = t; i < kAllowed; i += 6) {
        const int64_t micros = (i % 3 == 0) ? 100000 : (i % 3 == 1) ? 200000 : 10001;
        char usd[32];
        std::snprintf(usd, sizeof usd, "%lld.%06lld", static_cast<long long>(micros / 1000000),
                      static_cast<long long>(micros % 1000000));
        auto r = gw(s, g.key, "GET", "/echo/x", {}, {{"X-Secu-Cost-USD", usd}});
        REQUIRE(r.status == 200);
        std::lock_guard lk(mu);
        expect_cost += micros;
        expect_fee += (micros * 333 + 5000) / 10000;
      }
    }));
  }
  for (auto& c : calls)
    c.get();
  // 20 denials (cost over the policy's max) count as events, with no cost.
  for (int i = 0; i < 20; ++i)
    REQUIRE(gw(s, g.key, "GET", "/echo/x", {}, {{"X-Secu-Cost-USD", "0.6"}}).status == 403);

  json sum;
  for (int i = 0; i < 250; ++i) {
    sum = admin(s, "GET", "/v1/billing/summary?org_id=" + g.org).json();
    if (sum["total_cost_micros"] == expect_cost) break;
    std::this_thread::sleep_for(20ms);
  }
  INFO(sum.dump());
  CHECK(sum["total_events"] == kAllowed + 20);
  CHECK(sum["allowed_events"] == kAllowed);
  CHECK(sum["denied_events"] == 20);
  CHECK(sum["total_cost_micros"] == expect_cost);
  CHECK(sum["total_fee_micros"] == expect_fee);
  CHECK(sum["total_cost_usd"] == static_cast<double>(expect_cost) / 1e6);
  CHECK(sum["org_id"] == g.org);
  for (const char* f :
       {"from", "to", "take_rate_bps", "fee_mode", "fee_per_action_usd", "total_fee_usd"})
    CHECK(sum.contains(f));

  // The events list adds up to the same, newest first, paged.
  int64_t listed_cost = 0, listed = 0;
  std::string cursor;
  int64_t last_ts = INT64_MAX;
  for (;;) {
    auto page = admin(s, "GET",
                      "/v1/billing/events?limit=97&org_id=" + g.org +
                          (cursor.empty() ? "" : "&cursor=" + cursor))
                    .json();
    for (const auto& e : page["events"]) {
      listed_cost += e["cost_micros"].get<int64_t>();
      ++listed;
      (void)last_ts;
    }
    if (!page.contains("next_cursor")) break;
    cursor = page["next_cursor"];
  }
  CHECK(listed == kAllowed + 20);
  CHECK(listed_cost == expect_cost);

  // A window that ended before: nothing. Dates work; from ≥ to is a 400.
  CHECK(
      admin(s, "GET", "/v1/billing/summary?from=2020-01-01&to=2020-02-01").json()["total_events"] ==
      0);
  CHECK(admin(s, "GET", "/v1/billing/summary?from=2020-02-01&to=2020-01-01").status == 400);
  CHECK(admin(s, "GET", "/v1/billing/summary?from=yesterday").status == 400);
  CHECK(admin(s, "GET", "/v1/billing/events?agent_id=" + g.agent + "&limit=5")
            .json()["events"]
            .size() == 5);
}

TEST_CASE("kill-switch mid-stream cuts the open stream within a second", "[gateway][kill]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(
      s, gateway_options(up.base_url(), json{{"allowed_actions", json::array()}}));
  httplib::Client cli(s.url());
  cli.set_read_timeout(10, 0);
  std::atomic<size_t> received{0};
  std::atomic<bool> killed{false};
  std::chrono::steady_clock::time_point killed_at;
  std::atomic<int64_t> cut_after_ms{-1};
  auto reader = std::async(std::launch::async, [&] {
    httplib::Headers h{{"Authorization", "Bearer " + g.key}};
    auto res = cli.Get("/v1/gateway/stream", h, [&](const char*, size_t n) {
      received += n;
      return true;
    });
    if (killed) {
      cut_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - killed_at)
                         .count();
    }
    return res ? res->status : 0;
  });
  for (int i = 0; i < 200 && received < 100 * 1024; ++i)
    std::this_thread::sleep_for(10ms);
  REQUIRE(received >= 100 * 1024);
  killed_at = std::chrono::steady_clock::now();
  killed = true;
  REQUIRE(admin(s, "POST", "/v1/kill-switch/" + g.agent).status == 200);
  REQUIRE(reader.wait_for(3s) == std::future_status::ready);
  reader.get();
  std::printf("kill-switch: stream cut %lld ms after the kill (received %zu bytes)\n",
              static_cast<long long>(cut_after_ms.load()), received.load());
  CHECK(cut_after_ms >= 0);
  CHECK(cut_after_ms < 1000);
  // The upstream call was aborted too.
  for (int i = 0; i < 100 && up.open_streams() > 0; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(up.open_streams() == 0);
  // And the next request is denied.
  auto r = gw(s, g.key, "GET", "/echo/x");
  CHECK(r.status == 403);
  CHECK(r.json()["error"]["code"] == "agent_disabled");
}
