// List latency from 1,000 to N rows (default 1,000,000): the hot list queries through the
// libsecu store functions the handlers call (the HTTP layer minus the socket and the JSON):
//   agents, keys, approvals and transfers of one org (GET /v1/agents?org_id=… etc.), and one
//   org's audit entries (the audit export's org scan), each as the first page (100 rows) and
//   as a deep keyset page (the cursor at the middle of the table).
// Every table gets 1,000 rows, each query is timed (median of 101), then the tables grow to N
// rows and the same queries are timed again. Keyset pagination makes a page cost the same at
// any depth and any table size: the ratio N / 1,000 should stay near 1 (target: at most 2).
//
//   secu_list_bench [N=1000000]
// Prints a Markdown table and a RESULT line for tests/bench/run.sh. Not run by ctest.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "secu/clock.hpp"
#include "secu/store.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/approvals.hpp"
#include "secu/store/audit_log.hpp"
#include "secu/store/keys.hpp"
#include "secu/store/ledger.hpp"
#include "secu/store/orgs.hpp"
#include "secu/store/vendors.hpp"
#include "support/fixture.hpp"

using namespace secu;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kOrgs = 10, kPerCommit = 10'000, kSmall = 1000, kRuns = 101;
constexpr const char* kOrg = "org_3";  // the org whose pages are timed (half of every table)

void must(const Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.error().message);
}

// Zero-padded so that ids sort like the numbers (ids are time-ordered in secud too).
std::string id(const char* prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s_%010d", prefix, i);
  return buf;
}
// Row i's org: every other row is kOrg's (the org whose pages are timed), so that at 1,000 rows
// its deep page (half of its 500 rows are older than the middle) is still a full page; the
// other rows go round the other orgs.
std::string org(int i) {
  return i % 2 == 0 ? std::string(kOrg) : "org_" + std::to_string((i / 2) % kOrgs);
}

// Rows [from, to) of every table; row i is created at base + i ms and belongs to org(i).
void fill(store::Store& st, int64_t base, int from, int to) {
  for (int done = from; done < to; done += kPerCommit) {
    must(st.write([&](store::WriteTx& tx) -> Status {
      for (int i = done; i < std::min(to, done + kPerCommit); ++i) {
        const int64_t at = base + i;
        store::AgentRow a;
        a.id = id("agt", i);
        a.org_id = org(i);
        a.name = "agent";
        a.created_at = a.updated_at = at;
        SECU_TRY_VOID(store::insert_agent(tx.db, a));

        store::KeyRow k;
        k.id = id("key", i);
        k.org_id = a.org_id;
        k.agent_id = a.id;
        k.vendor_id = "vnd_" + a.org_id.substr(4);
        k.key_hash = id("hash", i);
        k.prefix = "sk_secu_";
        k.created_at = at;
        SECU_TRY_VOID(store::insert_key(tx.db, k));

        store::ApprovalRow p;
        p.id = id("apr", i);
        p.org_id = a.org_id;
        p.agent_id = a.id;
        p.key_id = k.id;
        p.vendor_id = k.vendor_id;
        p.action = "http.post";
        p.method = "POST";
        p.path = "/v1/charges";
        p.cost_micros = 1000;
        p.policy_id = "pol_1";
        p.trigger_reason = "approval_min_cost";
        p.digest = "d";
        p.status = "denied";
        p.request_id = "req";
        p.created_at = at;
        p.expires_at = at + 3'600'000;
        SECU_TRY_VOID(store::insert_approval(tx.db, p));

        store::TransferRow t;
        t.id = id("tx", i);
        t.org_id = a.org_id;
        t.kind = "transfer";
        t.rail = "internal";
        t.status = "settled";
        t.currency = "usd";
        t.amount = 1;
        t.amount_micros = 10'000;
        t.from_account_id = "acc_a";
        t.to_account_id = "acc_b";
        t.from_agent_id = a.id;
        t.actor_type = "agent";
        t.actor_id = a.id;
        t.request_id = "req";
        t.created_at = t.updated_at = at;
        SECU_TRY_VOID(store::insert_transfer(tx.db, t));

        store::AuditRow r;
        r.seq = i + 1;
        r.ts = at;
        r.org_id = a.org_id;
        r.actor_type = "admin";
        r.actor_id = "admin";
        r.action = "agent.create";
        r.target = a.id;
        r.details = "{}";
        r.request_id = "req";
        r.prev_hash = r.hash = std::string(64, '0');
        SECU_TRY_VOID(store::insert_audit_row(tx.db, r));
      }
      return {};
    }),
         "fill");
  }
}

// A page of 100 asks for 101 rows (the extra one says a next page exists).
Status full_page(size_t rows) {
  if (rows <= 100) return Error::internal("short page: " + std::to_string(rows) + " rows");
  return {};
}

struct Query {
  const char* name;
  // Runs one page: deep = the keyset cursor at row `mid` (the middle of the table).
  std::function<Status(store::Db&, bool deep)> run;
};

// Median of kRuns calls in one read transaction, in ms.
double median_ms(store::Store& st, const Query& q, bool deep) {
  std::vector<double> t;
  must(st.read([&](store::Db& db) -> Status {
    for (int i = 0; i < kRuns; ++i) {
      const auto t0 = Clock::now();
      SECU_TRY_VOID(q.run(db, deep));
      t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return {};
  }),
       q.name);
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int n = std::max(argc > 1 ? std::atoi(argv[1]) : 1'000'000, 2 * kSmall);
  try {
    test::TempDir tmp;
    auto opened = store::Store::open({.path = tmp.path() + "/list.db"});
    if (!opened.ok()) throw std::runtime_error("open: " + opened.error().message);
    auto& st = **opened;
    const int64_t base = now_ms() - n;
    must(st.write([&](store::WriteTx& tx) -> Status {
      for (int o = 0; o < kOrgs; ++o) {
        store::OrgRow row;
        row.id = "org_" + std::to_string(o);
        row.name = "org";
        row.created_at = base;
        SECU_TRY_VOID(store::insert_org(tx.db, row));
        store::VendorRow v;
        v.id = "vnd_" + std::to_string(o);
        v.org_id = row.id;
        v.name = "vendor";
        v.base_url = "https://api.example.com";
        v.auth_type = "bearer";
        v.api_key_sealed = "sealed";
        v.api_key_last4 = "abcd";
        v.created_at = v.updated_at = base;
        SECU_TRY_VOID(store::insert_vendor(tx.db, v));
      }
      return {};
    }),
         "orgs");

    // The deep cursor: the middle row of the current table (set before each measurement).
    int mid = 0;
    auto keyed = [&](bool deep, const char* prefix) {
      PageRequest p;
      if (deep) {
        p.before_created_at = base + mid;
        p.before_id = id(prefix, mid);
      }
      return p;
    };
    const std::vector<Query> queries = {
        {"agents",
         [&](store::Db& db, bool deep) -> Status {
           SECU_TRY(auto r, store::list_agents(db, kOrg, "", keyed(deep, "agt")));
           return full_page(r.size());
         }},
        {"keys",
         [&](store::Db& db, bool deep) -> Status {
           SECU_TRY(auto r, store::list_keys(db, kOrg, "", "", keyed(deep, "key")));
           return full_page(r.size());
         }},
        {"approvals",
         [&](store::Db& db, bool deep) -> Status {
           store::ApprovalFilter f;
           f.org_id = kOrg;
           f.now = now_ms();
           SECU_TRY(auto r, store::list_approvals(db, f, keyed(deep, "apr")));
           return full_page(r.size());
         }},
        {"transfers",
         [&](store::Db& db, bool deep) -> Status {
           SECU_TRY(auto r, store::list_transfers(db, kOrg, "", keyed(deep, "tx")));
           return full_page(r.size());
         }},
        {"audit (one org)",
         [&](store::Db& db, bool deep) -> Status {
           store::AuditScan scan;
           scan.org_id = kOrg;
           scan.after_seq = deep ? mid : 0;
           scan.limit = 101;
           SECU_TRY(auto c, store::AuditCursor::open(db, scan));
           store::AuditRow row;
           int rows = 0;
           for (;;) {
             SECU_TRY(bool more, c.next(row));
             if (!more) break;
             ++rows;
           }
           return full_page(rows);
         }},
    };

    struct Figures {
      double first = 0, deep = 0;
    };
    std::vector<Figures> small(queries.size()), large(queries.size());
    auto measure = [&](int rows, std::vector<Figures>& out) {
      mid = rows / 2;
      for (size_t q = 0; q < queries.size(); ++q)
        out[q] = {median_ms(st, queries[q], false), median_ms(st, queries[q], true)};
    };

    const auto f0 = Clock::now();
    fill(st, base, 0, kSmall);
    measure(kSmall, small);
    fill(st, base, kSmall, n);
    const double fill_s = std::chrono::duration<double>(Clock::now() - f0).count();
    measure(n, large);

    std::printf(
        "%d then %d rows in each of agents, keys, approvals, ledger_transfers and "
        "audit_log (%d orgs;\nwritten through the store in %.1f s); one org's pages of "
        "100 rows, median of %d, ms:\n\n",
        kSmall, n, kOrgs, fill_s, kRuns);
    std::printf("| list | first page @%d | @%d | ratio | deep page @%d | @%d | ratio |\n", kSmall,
                n, kSmall, n);
    std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
    double worst = 0;
    for (size_t q = 0; q < queries.size(); ++q) {
      const double r1 = large[q].first / small[q].first, r2 = large[q].deep / small[q].deep;
      worst = std::max({worst, r1, r2});
      std::printf("| %s | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f |\n", queries[q].name,
                  small[q].first, large[q].first, r1, small[q].deep, large[q].deep, r2);
    }
    std::printf("\ntarget: flat (every ratio at most 2) -> %s\n", worst <= 2 ? "met" : "NOT met");
    // One machine-readable line for tests/bench/run.sh's targets table.
    std::printf("RESULT list_n=%d list_small=%d list_worst_ratio=%.3f\n", n, kSmall, worst);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "list bench: %s\n", e.what());
    return 1;
  }
}
