// Billing summary and transaction stats over N events (default 1,000,000 of each), beside the
// naive aggregate SQLite would run without rollups (one pass over the rows of the window) on
// the same database in the same run:
//   - billing::summary (GET /v1/billing/summary minus HTTP) for one org and for every org;
//   - tx::stats (GET /v1/tx/stats and /v1/public/tx/stats minus HTTP), same scopes;
// each over the last 30 days with edges inside an hour (the default window), median of 21.
// The events are written through the store's own functions (rollups kept as secud keeps them),
// 10,000 per commit, spread over 30 days, 10 orgs, 200 agents.
//
//   secu_stats_bench [N=1000000] [DB_PATH]
// Prints a Markdown block for tests/bench/RESULTS.md. Not run by ctest.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "secu/billing.hpp"
#include "secu/clock.hpp"
#include "secu/store.hpp"
#include "secu/store/billing_events.hpp"
#include "secu/store/ledger.hpp"
#include "secu/tx.hpp"
#include "support/fixture.hpp"

using namespace secu;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int kOrgs = 10, kAgents = 200, kPerCommit = 10'000;

void must(const Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.error().message);
}

// Median wall time of `runs` calls, in ms.
double median_ms(int runs, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::string org(int i) {
  return "org_" + std::to_string(i % kOrgs);
}
std::string agent(int i) {
  return "agt_" + std::to_string(i % kAgents);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  test::TempDir tmp;
  // A second argument keeps the database there (to look at it with sqlite3 afterwards).
  const std::string path = argc > 2 ? std::string(argv[2]) : tmp.path() + "/stats.db";
  auto opened = store::Store::open({.path = path});
  if (!opened.ok()) throw std::runtime_error("open");
  auto& st = **opened;
  const int64_t now = now_ms();
  const int64_t start = now - 30 * kDayMs;
  std::mt19937_64 rng(42);

  const auto w0 = Clock::now();
  for (int done = 0; done < n; done += kPerCommit) {
    must(st.write([&](store::WriteTx& tx) -> Status {
      for (int i = done; i < std::min(n, done + kPerCommit); ++i) {
        const int64_t at = start + static_cast<int64_t>(rng() % (30 * kDayMs));
        const int a = static_cast<int>(rng() % kAgents);
        store::BillingEventRow e;
        e.id = "evt_" + std::to_string(i);
        e.org_id = org(a);
        e.agent_id = agent(a);
        e.key_id = "key_1";
        e.vendor_id = "vnd_1";
        e.request_id = "req";
        e.action = "http.get";
        e.method = "GET";
        e.path = "/v1/x";
        e.allow = i % 10 != 0;
        e.status_code = 200;
        e.cost_micros = e.authorized_cost_micros = 1000 + i % 5000;
        e.fee_micros = e.cost_micros / 50;
        e.metering_source = "declared";
        e.day = at - at % kDayMs;
        e.hour = at - at % kHourMs;
        e.created_at = at;
        SECU_TRY_VOID(store::insert_billing_event(tx.db, e));

        store::TransferRow t;
        t.id = "tx_" + std::to_string(i);
        t.org_id = org(a);
        t.kind = "transfer";
        t.rail = i % 3 ? "internal" : "x402";
        t.status = "settled";
        t.currency = "usd";
        t.amount = 1 + i % 1000;
        t.amount_micros = t.amount * 10'000;
        t.fee_micros = t.amount * 100;
        t.from_account_id = "acc_a";
        t.to_account_id = "acc_b";
        t.from_agent_id = agent(a);
        const int b = static_cast<int>(rng() % kAgents);
        t.to_agent_id = agent(b);
        t.to_org_id = org(b);
        t.actor_type = "agent";
        t.actor_id = t.from_agent_id.value();
        t.request_id = "req";
        t.created_at = t.updated_at = at;
        SECU_TRY_VOID(store::insert_transfer(tx.db, t));
      }
      return {};
    }),
         "write");
  }
  const double write_s = std::chrono::duration<double>(Clock::now() - w0).count();

  // The default windows: the last 30 days up to now (edges inside an hour).
  const billing::Period month{now - 30 * kDayMs + 1234, now};
  const tx::StatsPeriod period{.from_ms = now - 30 * kDayMs + 1234, .to_ms = now};
  const billing::FeeSchedule fees{};
  double summary_org = 0, summary_all = 0, stats_org = 0, stats_all = 0, naive_events = 0,
         naive_transfers = 0;
  int64_t events_seen = 0;
  must(st.read([&](store::Db& db) -> Status {
    summary_org = median_ms(21, [&] {
      if (!billing::summary(db, {.org_id = "org_3", .period = month}, fees).ok())
        throw std::runtime_error("summary");
    });
    summary_all = median_ms(21, [&] {
      auto r = billing::summary(db, {.period = month}, fees);
      if (!r.ok()) throw std::runtime_error("summary");
      events_seen = (*r)["total_events"].get<int64_t>();
    });
    stats_org = median_ms(21, [&] {
      if (!tx::stats(db, "org_3", period, true).ok()) throw std::runtime_error("stats");
    });
    stats_all = median_ms(21, [&] {
      if (!tx::stats(db, "", period, false).ok()) throw std::runtime_error("stats");
    });
    // What the same totals cost without rollups: one aggregate pass over the window's rows.
    naive_events = median_ms(5, [&] {
      auto q = db.query(
          "SELECT COUNT(*), SUM(allow), SUM(cost_micros), SUM(fee_micros) FROM "
          "billing_events WHERE created_at >= ?1 AND created_at < ?2");
      q->bind_all(month.from_ms, month.to_ms);
      if (!q->step().ok()) throw std::runtime_error("naive");
    });
    naive_transfers = median_ms(5, [&] {
      auto q = db.query(
          "SELECT rail, currency, status, COUNT(*), SUM(amount), SUM(fee_micros), "
          "COUNT(DISTINCT from_agent_id), COUNT(DISTINCT to_agent_id) FROM "
          "ledger_transfers WHERE created_at >= ?1 AND created_at < ?2 GROUP BY "
          "rail, currency, status");
      q->bind_all(period.from_ms, period.to_ms);
      for (;;) {
        auto row = q->step();
        if (!row.ok() || !*row) break;
      }
    });
    return {};
  }),
       "read");

  std::printf("N = %d billing events and %d transfers over 30 days (%d orgs, %d agents);\n", n, n,
              kOrgs, kAgents);
  std::printf("written through the store in %.1f s (%d per commit, rollups included)\n", write_s,
              kPerCommit);
  std::printf("the 30-day window holds %lld events\n\n", static_cast<long long>(events_seen));
  std::printf("| query (median of 21) | ms | naive aggregate over the rows, ms | ratio |\n");
  std::printf("|---|---:|---:|---:|\n");
  std::printf("| billing summary, one org | %.2f | %.1f | %.4f |\n", summary_org, naive_events,
              summary_org / naive_events);
  std::printf("| billing summary, every org | %.2f | %.1f | %.4f |\n", summary_all, naive_events,
              summary_all / naive_events);
  std::printf("| tx stats, one org | %.2f | %.1f | %.4f |\n", stats_org, naive_transfers,
              stats_org / naive_transfers);
  std::printf("| public tx stats (every org) | %.2f | %.1f | %.4f |\n", stats_all, naive_transfers,
              stats_all / naive_transfers);
  std::printf("\ntarget: under 50 ms each -> %s\n",
              std::max({summary_org, summary_all, stats_org, stats_all}) < 50 ? "met" : "NOT met");
  // One machine-readable line for tests/bench/run.sh's targets table.
  std::printf("RESULT stats_n=%d stats_max_ms=%.3f\n", n,
              std::max({summary_org, summary_all, stats_org, stats_all}));
  return 0;
}
