// The audit log benchmark: append, verify and export of N entries (default 1,000,000),
// measured beside the raw SHA-256 rate of the same machine in the same run, so the figures
// read as ratios ("verify costs k raw hashes of an entry") that travel between machines.
//
//   secu_audit_bench [N] [DIR]     DIR: where the database goes (default: a temp dir)
//
// Not a test: built by default, never run by ctest. Results go to tests/bench/RESULTS.md.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "secu/audit.hpp"
#include "secu/audit/export.hpp"
#include "secu/audit/log.hpp"
#include "secu/audit/verify.hpp"
#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/log.hpp"
#include "secu/store.hpp"

using namespace secu;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

long peak_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// CPU seconds (user + system) of the whole process so far: all threads.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long current_rss_kib() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages = 0, resident = 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

[[noreturn]] void die(const char* what, const Error& e) {
  std::fprintf(stderr, "%s: %s (%s)\n", what, e.message.c_str(), e.code.c_str());
  std::exit(1);
}

audit::Entry entry(int64_t i, const std::vector<std::string>& orgs) {
  audit::Entry e;
  e.org_id = orgs[static_cast<size_t>(i) % orgs.size()];
  e.actor = {"user", "usr_" + std::to_string(100000 + i % 977)};
  e.action = i % 3 ? "agent.create" : "gateway.decision";
  e.target = "agt_k3v7q2m9x4c8b1n6z5w0r2t8y" + std::to_string(i % 10);
  e.details = {{"name", "bot-" + std::to_string(i)},
               {"daily_budget_micros", 5000000},
               {"decision", "allow"},
               {"path", "/v1/chat/completions"}};
  e.request_id = "req_" + std::to_string(i) + "Zq8fK2mWn";
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1000000;
  std::string dir = argc > 2 ? argv[2] : "";
  if (!crypto::init().ok()) return 1;
  log::set_min_level(log::Level::kWarn);
  bool own_dir = false;
  if (dir.empty()) {
    char tmpl[] = "/tmp/secu-audit-bench-XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    dir = tmpl;
    own_dir = true;
  }
  std::vector<std::string> orgs;
  for (int i = 0; i < 10; ++i)
    orgs.push_back(crypto::random_id("org"));

  // 1. The raw SHA-256 rate, on the canonical JSON of a typical entry.
  const std::string sample = audit::canonical_json(123456, now_ms(), entry(123456, orgs));
  const int64_t raw_n = std::max<int64_t>(n, 200000);
  auto t = Clock::now();
  double cpu0 = cpu_seconds();
  std::string acc(32, '\0');
  for (int64_t i = 0; i < raw_n; ++i) {
    acc = crypto::sha256(sample);
  }
  const double raw_s = seconds_since(t);
  const double raw_per = raw_s / static_cast<double>(raw_n);  // seconds per raw hash
  const double raw_cpu_per = (cpu_seconds() - cpu0) / static_cast<double>(raw_n);
  std::printf("entry: %zu bytes of canonical JSON\n", sample.size());
  std::printf(
      "raw SHA-256 (crypto::sha256, OpenSSL libcrypto): %.0f hashes/s of one entry, %.0f MB/s, "
      "%.2f us each (cpu %.2f)\n",
      1 / raw_per, static_cast<double>(sample.size()) / raw_per / 1e6, raw_per * 1e6,
      raw_cpu_per * 1e6);

  auto opened = store::Store::open({.path = dir + "/bench.db"});
  if (!opened.ok()) die("open", opened.error());
  auto st = std::move(opened).value();
  const auto key = crypto::signing_key_generate();
  auto signer = audit::make_signer(*st, key);
  if (!signer.ok()) die("signer", signer.error());

  // Wall time per entry, in microseconds and in raw hashes of one entry; and the CPU time all
  // threads spent (verify runs two), which a loaded machine inflates less.
  auto report = [&](const char* what, double secs, int64_t count) {
    const double per = secs / static_cast<double>(count);
    const double cpu = (cpu_seconds() - cpu0) / static_cast<double>(count);
    std::printf("%-28s %7.2f s %8.0f/s %6.2f us = %5.1f raw | cpu %6.2f us = %5.1f raw\n", what,
                secs, 1 / per, per * 1e6, per / raw_per, cpu * 1e6, cpu / raw_cpu_per);
  };

  // 2. Append: write jobs of 1000 appends (a busy daemon's group commit batches alike).
  const int64_t per_job = 1000;
  t = Clock::now();
  cpu0 = cpu_seconds();
  for (int64_t done = 0; done < n; done += per_job) {
    const int64_t k = std::min(per_job, n - done);
    auto w = st->write([&](store::WriteTx& tx) -> Status {
      for (int64_t i = 0; i < k; ++i) {
        auto a = audit::append(tx, entry(done + i, orgs));
        if (!a.ok()) return a.take_error();
      }
      return {};
    });
    if (!w.ok()) die("append", w.error());
  }
  report("append (1000 per commit)", seconds_since(t), n);

  // 3. A checkpoint over the whole tree (root from stored subtrees + Ed25519).
  t = Clock::now();
  auto cp = audit::current_checkpoint(*st, *signer);
  if (!cp.ok()) die("checkpoint", cp.error());
  std::printf("%-28s %8.3f ms\n", "checkpoint (sign)", seconds_since(t) * 1e3);

  // 4. Verify: chain, leaves, tree and checkpoints, streaming.
  const long rss_before_verify = current_rss_kib();
  t = Clock::now();
  cpu0 = cpu_seconds();
  auto v = audit::verify_log(*st, signer->note_key());
  if (!v.ok()) die("verify", v.error());
  if (!v->ok) {
    std::fprintf(stderr, "verify failed at %lld: %s\n", static_cast<long long>(v->first_bad_seq),
                 v->reason.c_str());
    return 1;
  }
  const double verify_s = seconds_since(t);
  report("verify", verify_s, n);
  std::printf("  RSS %ld -> %ld KiB\n", rss_before_verify, current_rss_kib());

  // 5. Exports into a sink that only counts (what the HTTP layer does, minus the socket).
  // Answers entries per second (wall).
  auto run_export = [&](const char* what, audit::ExportOptions o) -> double {
    const long rss0 = current_rss_kib();
    auto w = audit::ExportWriter::open(*st, *cp, o);
    if (!w.ok()) die("export", w.error());
    uint64_t bytes = 0;
    std::string chunk;
    t = Clock::now();
    cpu0 = cpu_seconds();
    for (;;) {
      chunk.clear();
      auto more = (*w)->next(chunk);
      if (!more.ok()) die("export", more.error());
      bytes += chunk.size();
      if (!*more) break;
    }
    const double secs = seconds_since(t);
    report(what, secs, (*w)->entries());
    std::printf("  %.1f MB, %.0f MB/s, %lld entries, RSS %ld -> %ld KiB\n", bytes / 1e6,
                bytes / 1e6 / secs, static_cast<long long>((*w)->entries()), rss0,
                current_rss_kib());
    return static_cast<double>((*w)->entries()) / secs;
  };
  audit::ExportOptions full;
  const double jsonl_rate = run_export("export JSONL (complete)", full);
  audit::ExportOptions csv;
  csv.format = audit::ExportFormat::kCsv;
  const double csv_rate = run_export("export CSV (complete)", csv);
  audit::ExportOptions scoped;
  scoped.org_id = orgs[3];
  run_export("export JSONL (1 org, proofs)", scoped);

  // 6. Single proofs from the stored subtrees.
  const int64_t proofs = 20000;
  t = Clock::now();
  auto pr = st->read([&](store::Db& db) -> Status {
    for (int64_t i = 0; i < proofs; ++i) {
      const int64_t seq = 1 + (i * 7919) % n;
      SECU_TRY(auto p, audit::prove_inclusion(db, seq, n));
      (void)p;
    }
    return {};
  });
  if (!pr.ok()) die("proof", pr.error());
  const double per_proof = seconds_since(t) / proofs;
  std::printf("%-28s %8.2f us each (%zu-hash path)\n", "inclusion proof (stored)", per_proof * 1e6,
              static_cast<size_t>(64 - __builtin_clzll(n - 1)));

  std::printf("peak RSS %ld KiB; database %.1f MB\n", peak_rss_kib(),
              std::filesystem::file_size(dir + "/bench.db") / 1e6);
  // One machine-readable line for tests/bench/run.sh's targets table.
  std::printf(
      "RESULT audit_n=%lld audit_verify_s=%.4f audit_export_jsonl_per_s=%.0f "
      "audit_export_csv_per_s=%.0f\n",
      static_cast<long long>(n), verify_s, jsonl_rate, csv_rate);
  st.reset();
  if (own_dir) std::filesystem::remove_all(dir);
  return acc.size() == 32 ? 0 : 1;
}
