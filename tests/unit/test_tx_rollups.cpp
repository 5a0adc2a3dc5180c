// The transaction stats from the rollups (whole hours and days) and the edges (raw rows) agree
// with a brute-force count over the same transfers, for windows that start and end anywhere,
// after status changes, for every org and for all orgs together.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>

#include "secu/migrations.hpp"
#include "secu/store.hpp"
#include "secu/store/ledger.hpp"
#include "support/fixture.hpp"

using namespace secu;
using namespace secu::store;

namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kStart = 1'790'000'000'000;  // 2026-09-21, a few days of transfers after it

struct Expected {
  std::map<std::tuple<std::string, std::string, std::string>, TxStatsRow> rows;
  TxParties parties;
};

bool in_scope(const TransferRow& t, const std::string& org) {
  return org.empty() || t.org_id == org || (t.to_org_id && *t.to_org_id == org);
}

Expected brute_force(const std::vector<TransferRow>& all, const std::string& org, int64_t from,
                     int64_t to) {
  Expected e;
  std::set<std::string> payers, payees;
  for (const auto& t : all) {
    if (t.kind != "transfer" || t.created_at < from || t.created_at >= to || !in_scope(t, org))
      continue;
    auto& r = e.rows[{t.rail, t.currency, t.status}];
    r.rail = t.rail;
    r.currency = t.currency;
    r.status = t.status;
    r.count++;
    r.amount += t.amount;
    r.amount_micros += t.amount_micros;
    r.fee_micros += t.fee_micros;
    payers.insert(t.from_agent_id ? *t.from_agent_id : "org:" + t.org_id);
    if (t.to_agent_id)
      payees.insert(*t.to_agent_id);
    else if (t.to_address)
      payees.insert(*t.to_address);
  }
  e.parties = {static_cast<int64_t>(payers.size()), static_cast<int64_t>(payees.size())};
  return e;
}

}  // namespace

TEST_CASE("tx stats from rollups match a brute-force count over any window", "[tx][rollups]") {
  test::TempDir tmp;
  auto opened = Store::open({.path = tmp.path() + "/r.db"});
  REQUIRE(opened.ok());
  auto& st = **opened;

  std::mt19937_64 rng(7);
  auto pick = [&](auto const& v) { return v[rng() % v.size()]; };
  const std::vector<std::string> orgs = {"org_a", "org_b", "org_c"};
  const std::vector<std::string> rails = {"internal", "x402", "stripe"};
  std::vector<TransferRow> all;
  for (int i = 0; i < 600; ++i) {
    TransferRow t;
    t.id = "tx_" + std::to_string(1000 + i);
    t.org_id = pick(orgs);
    t.kind = i % 17 == 0 ? "funding" : "transfer";
    t.rail = pick(rails);
    t.status = t.rail == "internal" ? "settled" : "pending";
    t.currency = i % 5 == 0 ? "eur" : "usd";
    t.amount = 1 + static_cast<int64_t>(rng() % 1000);
    t.amount_micros = t.amount * 10'000;
    t.fee_micros = t.amount * 100;
    t.from_account_id = "acc_from";
    t.to_account_id = "acc_to";
    if (i % 7 != 0) t.from_agent_id = "agt_p" + std::to_string(rng() % 9);
    if (t.rail == "x402") {
      t.to_address = "0xaddr" + std::to_string(rng() % 5);
    } else {
      t.to_agent_id = "agt_q" + std::to_string(rng() % 11);
      t.to_org_id = pick(orgs);
    }
    t.actor_type = "agent";
    t.actor_id = "agt";
    t.request_id = "req";
    // Spread over four days, bunched so some hours hold many and some none.
    t.created_at = kStart + static_cast<int64_t>(rng() % (4 * 24)) * kHour +
                   static_cast<int64_t>(rng() % kHour);
    t.updated_at = t.created_at;
    all.push_back(t);
  }
  REQUIRE(st.write([&](WriteTx& tx) -> Status {
              for (const auto& t : all)
                SECU_TRY_VOID(insert_transfer(tx.db, t));
              return {};
            }).ok());
  // Settle or fail the pending ones: their rollup buckets move, fees change.
  REQUIRE(st.write([&](WriteTx& tx) -> Status {
              for (auto& t : all) {
                if (t.status != "pending" || rng() % 3 == 0) continue;
                t.status = rng() % 2 ? "settled" : "failed";
                t.fee_micros = t.status == "failed" ? 0 : t.fee_micros * 2;
                SECU_TRY_VOID(update_transfer_outcome(tx.db, t));
              }
              return {};
            }).ok());

  std::vector<std::pair<int64_t, int64_t>> windows = {
      {kStart - kHour, kStart + 5 * 24 * kHour},           // everything
      {kStart + 3 * kHour, kStart + 3 * kHour + 1},        // one millisecond
      {kStart + 90 * 60'000, kStart + 150 * 60'000},       // inside two hours
      {kStart + 24 * kHour, kStart + 48 * kHour},          // one whole day
      {kStart + 24 * kHour + 1, kStart + 72 * kHour - 1},  // two days less the edges
  };
  for (int i = 0; i < 40; ++i) {
    const int64_t a = kStart + static_cast<int64_t>(rng() % (4 * 24 * kHour));
    const int64_t b = a + 1 + static_cast<int64_t>(rng() % (3 * 24 * kHour));
    windows.emplace_back(a, b);
  }
  for (const auto& [from, to] : windows) {
    for (const std::string org : {"", "org_a", "org_b", "org_c", "org_none"}) {
      INFO("org '" << org << "' window [" << from << ", " << to << ")");
      const auto want = brute_force(all, org, from, to);
      REQUIRE(st.read([&](Db& db) -> Status {
                  SECU_TRY(auto rows, tx_stats(db, org, from, to));
                  CHECK(rows.size() == want.rows.size());
                  for (const auto& r : rows) {
                    const auto it = want.rows.find({r.rail, r.currency, r.status});
                    REQUIRE(it != want.rows.end());
                    CHECK(r.count == it->second.count);
                    CHECK(r.amount == it->second.amount);
                    CHECK(r.amount_micros == it->second.amount_micros);
                    CHECK(r.fee_micros == it->second.fee_micros);
                  }
                  SECU_TRY(auto parties, tx_parties(db, org, from, to));
                  CHECK(parties.payers == want.parties.payers);
                  CHECK(parties.payees == want.parties.payees);
                  return {};
                }).ok());
    }
  }
}

TEST_CASE("the tx_rollups migration fills the rollups from the transfers already made",
          "[tx][rollups]") {
  test::TempDir tmp;
  const std::string path = tmp.path() + "/m.db";
  std::vector<Migration> without, all;
  for (const auto& m : migrations()) {
    all.push_back(m);
    if (std::string(m.name) != "tx_rollups") without.push_back(m);
  }
  REQUIRE(without.size() + 1 == all.size());
  auto db = Db::open(path, {});
  REQUIRE(db.ok());
  REQUIRE(migrate(**db, without).ok());
  // Transfers made before the rollups existed (plain rows: no rollup table to keep yet).
  for (int i = 0; i < 50; ++i) {
    auto q = (*db)->query(
        "INSERT INTO ledger_transfers (id, org_id, kind, rail, status, currency, amount, "
        "amount_micros, fee_micros, from_account_id, to_account_id, from_agent_id, to_agent_id, "
        "to_org_id, metadata, actor_type, actor_id, request_id, created_at, updated_at) VALUES "
        "(?1, ?2, 'transfer', 'internal', ?3, 'usd', ?4, ?5, 0, 'a', 'b', ?6, ?7, ?8, '{}', "
        "'agent', 'x', 'r', ?9, ?9)");
    REQUIRE(q.ok());
    q->bind_all("tx_" + std::to_string(i), i % 2 ? "org_a" : "org_b", i % 5 ? "settled" : "failed",
                int64_t{10 + i}, int64_t{(10 + i) * 10'000}, "agt_p" + std::to_string(i % 4),
                "agt_q" + std::to_string(i % 3), i % 3 ? "org_b" : "org_c", kStart + i * kHour / 3);
    REQUIRE(q->run().ok());
  }
  REQUIRE(migrate(**db, all).ok());
  // Whole hours (and days) only: every figure comes from the backfilled rollups.
  auto stats = tx_stats(**db, "org_b", kStart, kStart + 48 * kHour);
  REQUIRE(stats.ok());
  int64_t count = 0, amount = 0;
  for (const auto& r : *stats) {
    count += r.count;
    amount += r.amount;
  }
  int64_t want_count = 0, want_amount = 0;
  for (int i = 0; i < 50; ++i) {
    if (i % 2 == 0 || i % 3 != 0) {  // org_b paid, or was paid
      ++want_count;
      want_amount += 10 + i;
    }
  }
  CHECK(count == want_count);
  CHECK(amount == want_amount);
  auto parties = tx_parties(**db, "", kStart, kStart + 48 * kHour);
  REQUIRE(parties.ok());
  CHECK(parties->payers == 4);
  CHECK(parties->payees == 3);
}
