// Crash consistency: a mixed load (gateway decisions, internal transfers, approvals, admin
// writes) from several threads against the real secud, SIGKILL at a random moment, restart on
// the same data dir, then: every request answered 2xx is in the database, the audit chain (and
// its Merkle tree and signed checkpoints) verifies, every signed checkpoint a client fetched
// before a crash is consistent with the tree after it, the ledger reconciles, no budget is
// overspent. A few rounds in CI; SECU_CRASH_ROUNDS=N for many (e.g. 200) on demand.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "secu/audit/checkpoint.hpp"
#include "secu/audit/merkle.hpp"
#include "secu/crypto.hpp"
#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"
#include "support/identity_helpers.hpp"
#include "support/ledger_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

// What the daemon acknowledged (2xx), by table: each id must be found by `where`.
struct Acked {
  std::mutex mu;
  std::vector<std::string> events;     // billing_events.id (gateway decisions)
  std::vector<std::string> transfers;  // ledger_transfers.id (transfers, fundings)
  std::vector<std::string> agents;     // agents.id (admin writes)
  std::vector<std::string> pending;    // approvals.id asked for (202)
  std::vector<std::string> decided;    // approvals.id approved (200)

  void add(std::vector<std::string>& v, std::string id) {
    std::lock_guard lk(mu);
    v.push_back(std::move(id));
  }
};

int rounds_from_env() {
  const char* v = std::getenv("SECU_CRASH_ROUNDS");
  if (v == nullptr || *v == '\0') return 5;
  return std::max(1, std::atoi(v));
}

// How many of `ids` are in `table` (with `extra` as a further condition), in chunks.
int64_t found(const Secud& s, const std::string& table, const std::vector<std::string>& ids,
              const std::string& extra = "") {
  int64_t n = 0;
  for (size_t i = 0; i < ids.size(); i += 400) {
    std::string in;
    for (size_t k = i; k < std::min(ids.size(), i + 400); ++k)
      in += (in.empty() ? "'" : ",'") + ids[k] + "'";
    n += row_count(s, table, "id IN (" + in + ")" + extra);
  }
  return n;
}

constexpr int64_t kBudgetMicros = 3'000'000;  // the gateway agent's daily budget: 3 USD

// The latest signed checkpoint, opened with the server's verifier key (a client's view).
secu::audit::Checkpoint signed_checkpoint(const Secud& s, const secu::audit::NoteKey& key) {
  auto r = admin(s, "GET", "/v1/audit/checkpoint");
  REQUIRE(r.status == 200);
  auto cp = secu::audit::open_checkpoint(r.json()["note"].get<std::string>(), key);
  REQUIRE(cp.ok());
  return *cp;
}

// Every checkpoint a client saw before a crash is a prefix of the tree after it: the consistency
// proof from its size to the new checkpoint verifies against both signed roots.
bool still_consistent(const Secud& s, const secu::audit::Checkpoint& old,
                      const secu::audit::Checkpoint& now) {
  auto r = admin(s, "GET",
                 "/v1/audit/proof/consistency?from=" + std::to_string(old.size) +
                     "&to=" + std::to_string(now.size));
  if (r.status != 200) return false;
  const auto body = r.json();
  UNSCOPED_INFO("consistency proof " << body.dump());
  secu::audit::merkle::Proof proof;
  for (const auto& h : body["proof"]) {
    auto raw = secu::crypto::hex_decode(h.get<std::string>());
    if (!raw.ok() || raw->size() != 32) return false;
    proof.push_back(std::move(*raw));
  }
  const bool ok =
      secu::audit::merkle::verify_consistency(old.size, now.size, old.root, now.root, proof);
  return ok;
}

}  // namespace

TEST_CASE("crash consistency: SIGKILL under mixed load loses no acknowledged write", "[crash]") {
  Upstream up;
  Secud s;
  // The gateway agent: everything allowed, a human approves from 1 USD, 3 USD a day (spent
  // within the first round: the rest of its calls race against the budget's edge).
  auto g = provision_gateway(
      s, gateway_options(up.base_url(),
                         json{{"allowed_actions", json::array()}, {"approval_min_cost", 1.0}})
             .budget(kBudgetMicros / 1e6));
  // The approvals' agent, same org and vendor kind, with room for many approved calls.
  auto ga = provision_gateway(
      s, gateway_options(up.base_url(),
                         json{{"allowed_actions", json::array()}, {"approval_min_cost", 1.0}})
             .budget(1'000'000.0)
             .in_org(g.org));
  // Paying agents for transfers (no budget), funded once.
  auto p = make_payers(s);
  fund(s, p.payer.agent, 1'000'000'000);

  Acked acked;
  REQUIRE(secu::crypto::init().ok());
  auto pub = http(s.url(), "GET", "/v1/audit/pubkey");
  REQUIRE(pub.status == 200);
  const auto note_key =
      secu::audit::parse_verifier_key(pub.json()["verifier_key"].get<std::string>()).value();
  // Checkpoints clients fetched while the load ran, in every round (sizes grow).
  std::vector<secu::audit::Checkpoint> seen;
  int64_t checkpoints_checked = 0;
  const int rounds = rounds_from_env();
  std::mt19937 rng(std::random_device{}());
  int64_t total_checked = 0, total_lost = 0;

  for (int round = 1; round <= rounds; ++round) {
    std::atomic<bool> stop{false};
    const std::string url = s.url();
    const std::string admin_token = s.admin_token();
    const Headers as_admin = {{"X-Secu-Admin-Token", admin_token}};
    std::vector<std::thread> workers;
    // Gateway decisions: small metered calls against the budget (denied once it is spent).
    for (int t = 0; t < 2; ++t) {
      workers.emplace_back([&] {
        while (!stop) {
          auto r = http(url, "GET", "/v1/gateway/cost?usd=0.01", "",
                        {{"Authorization", "Bearer " + g.key}, {"X-Secu-Cost-USD", "0.01"}});
          // The event id is set only after the decision's write job committed: allowed,
          // denied (budget spent) or pending, every answer carrying one acknowledges it.
          const auto ev = r.header("X-Secu-Event-Id");
          if (!ev.empty()) acked.add(acked.events, ev);
          if (r.status == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      });
    }
    // Internal transfers, payer → payee.
    workers.emplace_back([&] {
      while (!stop) {
        auto r = http(
            url, "POST", "/v1/tx/transfer",
            json{{"rail", "internal"}, {"currency", "usd"}, {"amount", 1}, {"to_agent_id", p.payee}}
                .dump(),
            bearer(p.payer.key));
        if (r.status / 100 == 2) acked.add(acked.transfers, r.json().at("id"));
        if (r.status == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    // Approvals: a costly call asks (202), the admin approves, the retry rides the grant.
    workers.emplace_back([&] {
      while (!stop) {
        auto ask = http(url, "GET", "/v1/gateway/cost?usd=1.5", "",
                        {{"Authorization", "Bearer " + ga.key}, {"X-Secu-Cost-USD", "1.5"}});
        if (const auto ev = ask.header("X-Secu-Event-Id"); !ev.empty()) acked.add(acked.events, ev);
        if (ask.status != 202) {
          if (ask.status == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
        const std::string id = ask.json().at("approval_id");
        acked.add(acked.pending, id);
        auto ok = http(url, "POST", "/v1/approvals/" + id + "/approve", "{}", as_admin);
        if (ok.status / 100 != 2) continue;
        acked.add(acked.decided, id);
        auto retry = http(url, "GET", "/v1/gateway/cost?usd=1.5", "",
                          {{"Authorization", "Bearer " + ga.key},
                           {"X-Secu-Cost-USD", "1.5"},
                           {"X-Secu-Approval-Id", id}});
        const auto ev = retry.header("X-Secu-Event-Id");
        if (!ev.empty()) acked.add(acked.events, ev);
      }
    });
    // Admin writes: new agents, fundings.
    workers.emplace_back([&] {
      int i = 0;
      while (!stop) {
        const auto name = "crash-" + std::to_string(round) + "-" + std::to_string(i++);
        auto r = http(url, "POST", "/v1/agents", json{{"org_id", g.org}, {"name", name}}.dump(),
                      as_admin);
        if (r.status / 100 == 2) acked.add(acked.agents, r.json().at("id"));
        auto f =
            http(url, "POST", "/v1/ledger/fund",
                 json{{"agent_id", p.payee}, {"currency", "usd"}, {"amount", 7}}.dump(), as_admin);
        if (f.status / 100 == 2) acked.add(acked.transfers, f.json().at("id"));
        if (r.status == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });

    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 600)(rng)));
    seen.push_back(signed_checkpoint(s, note_key));  // a client saw this tree, signed
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 300)(rng)));
    s.kill9();
    stop = true;
    for (auto& w : workers)
      w.join();
    s.start();

    // Everything acknowledged so far (all rounds) is there.
    std::lock_guard lk(acked.mu);
    const auto expect = [&](const char* what, const std::string& table,
                            const std::vector<std::string>& ids, const std::string& extra = "") {
      const int64_t n = found(s, table, ids, extra);
      INFO(what << ": " << n << " of " << ids.size() << " acknowledged found");
      CHECK(n == static_cast<int64_t>(ids.size()));
      total_checked += static_cast<int64_t>(ids.size());
      total_lost += static_cast<int64_t>(ids.size()) - n;
    };
    expect("gateway events", "billing_events", acked.events);
    expect("transfers", "ledger_transfers", acked.transfers);
    expect("agents", "agents", acked.agents);
    expect("approvals asked", "approvals", acked.pending);
    expect("approvals approved", "approvals", acked.decided, " AND status <> 'pending'");

    auto v = admin(s, "GET", "/v1/audit/verify");
    INFO("audit verify: " << v.body);
    CHECK(v.status == 200);
    CHECK(v.json().value("ok", false));
    // Every checkpoint seen before any crash is a prefix of today's signed tree.
    const auto now = signed_checkpoint(s, note_key);
    for (const auto& old : seen) {
      INFO("checkpoint of size " << old.size << " against size " << now.size);
      CHECK(old.size <= now.size);
      CHECK(still_consistent(s, old, now));
      ++checkpoints_checked;
    }
    auto rec = reconcile(s);
    INFO("reconcile: " << rec.dump());
    CHECK(rec["balanced"] == true);
    // No budget overspent: what was allowed and settled today, and the budget row.
    CHECK(row_count(s, "budget_days",
                    "agent_id = '" + g.agent + "' AND spent_micros > " +
                        std::to_string(kBudgetMicros)) == 0);
    CHECK(row_count(s, "budget_days",
                    "agent_id = '" + g.agent + "' AND spent_micros + reserved_micros > " +
                        std::to_string(kBudgetMicros)) == 0);
  }
  const size_t distinct = acked.events.size() + acked.transfers.size() + acked.agents.size() +
                          acked.pending.size() + acked.decided.size();
  std::printf(
      "crash consistency: %d rounds, %zu acknowledged writes (%zu gateway decisions, %zu "
      "transfers and fundings, %zu agents, %zu approvals asked, %zu approved), %lld checks over "
      "the rounds, %lld lost; %lld signed checkpoint checks, all consistent after the crashes\n",
      rounds, distinct, acked.events.size(), acked.transfers.size(), acked.agents.size(),
      acked.pending.size(), acked.decided.size(), static_cast<long long>(total_checked),
      static_cast<long long>(total_lost), static_cast<long long>(checkpoints_checked));
  CHECK(total_lost == 0);
}
