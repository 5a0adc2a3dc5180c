// Ledger throughput: durable internal-rail transfers per second through secud's HTTP API with
// N concurrent clients, beside what SQLite itself commits on the same disk:
//   (a) raw single-row commits: BEGIN; INSERT one row; COMMIT — one fsync per row, the ceiling
//       of "one durable write per request" without group commit;
//   (b) raw batched inserts: 1000 rows per COMMIT — the ceiling of a writer that batches.
// Every HTTP transfer is governed and durable before its answer: the decision (policies,
// budget row), the billing event and its rollup, two ledger entries and both cached balances,
// the transfer row and two audit entries (hash chain + Merkle leaves), all in one write job of
// the group-committing writer (WAL, synchronous=FULL).
//
//   secu_ledger_bench [SECONDS_PER_RUN=10] [CLIENTS...=1 8 32]
// Prints a Markdown block for tests/bench/RESULTS.md. Not run by ctest.
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "secu/db.hpp"
#include "support/fixture.hpp"

using namespace secu;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void must(const Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.error().message);
}

// ---- raw SQLite ------------------------------------------------------------------------------

std::unique_ptr<store::Db> open_raw(const std::string& path) {
  auto db = store::Db::open(path, {});
  if (!db.ok()) throw std::runtime_error("open " + path);
  auto d = std::move(db).value();
  must(d->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER "
               "PRIMARY KEY, account TEXT NOT NULL, amount BIGINT NOT NULL, at BIGINT NOT NULL)"),
       "schema");
  return d;
}

double raw_rate(const std::string& path, int rows, int per_commit) {
  auto db = open_raw(path);
  const auto t0 = Clock::now();
  for (int i = 0; i < rows; i += per_commit) {
    must(db->exec("BEGIN IMMEDIATE"), "begin");
    for (int j = 0; j < per_commit; ++j) {
      auto q = db->query("INSERT INTO t (account, amount, at) VALUES (?1, ?2, ?3)");
      if (!q.ok()) throw std::runtime_error("prepare");
      q->bind_all("wal_bench", int64_t{i + j}, int64_t{i});
      must(q->run(), "insert");
    }
    must(db->exec("COMMIT"), "commit");
  }
  return rows / seconds_since(t0);
}

// ---- secud -----------------------------------------------------------------------------------

json call(const test::Secud& s, const std::string& method, const std::string& path,
          const json& body) {
  auto r = test::admin(s, method, path, body.is_null() ? std::string() : body.dump());
  if (r.status != 200) throw std::runtime_error(method + " " + path + ": " + r.body);
  return r.json();
}

struct Setup {
  std::string key, payer, payee;
};

Setup provision(const test::Secud& s) {
  Setup out;
  const auto org = call(s, "POST", "/v1/orgs", {{"name", "bench"}})["id"].get<std::string>();
  const auto pol =
      call(s, "POST", "/v1/policies", {{"org_id", org}, {"name", "all"}})["id"].get<std::string>();
  out.payer = call(s, "POST", "/v1/agents",
                   {{"org_id", org}, {"name", "payer"}, {"policy_ids", {pol}}})["id"];
  out.payee = call(s, "POST", "/v1/agents", {{"org_id", org}, {"name", "payee"}})["id"];
  const auto vendor = call(s, "POST", "/v1/vendors",
                           {{"org_id", org},
                            {"name", "unused"},
                            {"base_url", "http://127.0.0.1:9"},
                            {"api_key", "k-0123456789"},
                            {"auth_type", "bearer"}})["id"];
  out.key = call(s, "POST", "/v1/keys", {{"agent_id", out.payer}, {"vendor_id", vendor}})["key"];
  call(s, "POST", "/v1/ledger/fund",
       {{"agent_id", out.payer}, {"currency", "usd"}, {"amount", int64_t{1'000'000'000'000}}});
  return out;
}

// secud's user + system CPU time so far, in seconds (/proc/<pid>/stat, all its threads).
double cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold spaces.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct HttpRun {
  int64_t ok = 0, failed = 0;
  double seconds = 0;
  double secud_cpu = 0;  // seconds of secud CPU over the run
};

HttpRun http_rate(const test::Secud& s, const Setup& st, int clients, double seconds) {
  std::atomic<int64_t> ok{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const double cpu0 = cpu_seconds(s.pid());
  const json body = {
      {"rail", "internal"}, {"currency", "usd"}, {"amount", 1}, {"to_agent_id", st.payee}};
  const std::string text = body.dump();
  const auto t0 = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      httplib::Client cli("127.0.0.1", s.port());
      cli.set_tcp_nodelay(true);
      cli.set_keep_alive(true);
      cli.set_read_timeout(60, 0);
      const httplib::Headers h = {{"Authorization", "Bearer " + st.key}};
      while (!stop.load(std::memory_order_relaxed)) {
        auto r = cli.Post("/v1/tx/transfer", h, text, "application/json");
        if (r && r->status == 200) {
          ok.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        // A failure is counted and named (first few only), so a run's figure is never silently
        // made of errors.
        if (failed.fetch_add(1, std::memory_order_relaxed) < 3) {
          std::fprintf(stderr, "transfer failed after %.2f s: %s\n", seconds_since(t0),
                       r ? (std::to_string(r->status) + " " + r->body).c_str()
                         : httplib::to_string(r.error()).c_str());
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads)
    t.join();
  return {ok.load(), failed.load(), seconds_since(t0), cpu_seconds(s.pid()) - cpu0};
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::stod(argv[1]) : 10.0;
  std::vector<int> clients;
  for (int i = 2; i < argc; ++i)
    clients.push_back(std::stoi(argv[i]));
  if (clients.empty()) clients = {1, 8, 32};
  try {
    test::TempDir tmp;
    const double single = raw_rate(tmp.path() + "/single.db", 2000, 1);
    const double batched = raw_rate(tmp.path() + "/batched.db", 200'000, 1000);
    std::printf("raw SQLite, WAL, synchronous=FULL, same disk:\n");
    std::printf("  single-row commits      %10.0f rows/s\n", single);
    std::printf("  1000 rows per commit    %10.0f rows/s\n", batched);

    test::Secud s;
    const auto st = provision(s);
    std::printf("secud internal-rail transfers over HTTP (keep-alive, %.0f s per run):\n", seconds);
    double best = 0;
    int best_clients = 0;
    for (int c : clients) {
      const auto r = http_rate(s, st, c, seconds);
      if (r.failed > 0) {
        // Whatever secud said about the failures (warnings and errors only).
        std::istringstream lines(s.err() + s.out());
        for (std::string line; std::getline(lines, line);)
          if (line.find("\"level\":\"warn") != std::string::npos ||
              line.find("\"level\":\"error") != std::string::npos)
            std::fprintf(stderr, "secud: %s\n", line.c_str());
      }
      const double rate = r.ok / r.seconds;
      if (rate > best) {
        best = rate;
        best_clients = c;
      }
      std::printf(
          "  %3d clients  %8.0f transfers/s  = %5.2f x single-row commits, %6.4f x "
          "batched  (%lld ok, %lld failed; secud CPU %.0f us per transfer)\n",
          c, rate, rate / single, rate / batched, static_cast<long long>(r.ok),
          static_cast<long long>(r.failed), r.ok > 0 ? r.secud_cpu * 1e6 / r.ok : 0.0);
    }
    auto rec = call(s, "GET", "/v1/ledger/reconcile", nullptr);
    auto w = call(s, "GET", "/v1/ledger/wallets?agent_id=" + st.payee, nullptr);
    std::printf("after: reconcile balanced=%s, payee balance %lld\n",
                rec["balanced"].get<bool>() ? "true" : "false",
                static_cast<long long>(w["wallets"][0]["balance"].get<int64_t>()));
    // One machine-readable line for tests/bench/run.sh's targets table.
    std::printf(
        "RESULT ledger_best_per_s=%.0f ledger_best_clients=%d ledger_raw_single_per_s=%.0f\n", best,
        best_clients, single);
    return rec["balanced"].get<bool>() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ledger bench: %s\n", e.what());
    return 1;
  }
}
