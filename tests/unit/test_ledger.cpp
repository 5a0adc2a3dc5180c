// The double-entry ledger on a real database (no daemon): balanced entries, cached balances,
// no wallet below zero, holds, funding and reconciliation.
#include <catch2/catch.hpp>

#include "secu/ledger.hpp"
#include "secu/store.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/orgs.hpp"
#include "support/fixture.hpp"

using namespace secu;

namespace {

struct Ledger {
  test::TempDir tmp;
  std::unique_ptr<store::Store> st;

  Ledger() {
    auto s = store::Store::open({.path = tmp.path() + "/l.db"});
    REQUIRE(s.ok());
    st = std::move(s).value();
    REQUIRE(st->write([&](store::WriteTx& tx) -> Status {
                store::OrgRow o;
                o.id = "org_a";
                o.name = "A";
                o.created_at = 1;
                SECU_TRY_VOID(store::insert_org(tx.db, o));
                for (const char* id : {"agt_1", "agt_2"}) {
                  store::AgentRow a;
                  a.id = id;
                  a.org_id = "org_a";
                  a.name = id;
                  a.created_at = a.updated_at = 1;
                  SECU_TRY_VOID(store::insert_agent(tx.db, a));
                }
                return {};
              }).ok());
  }

  Status write(const std::function<Status(store::WriteTx&)>& fn) { return st->write(fn); }

  store::AccountRow wallet(const std::string& agent, const std::string& cur = "usd") {
    store::AccountRow out;
    REQUIRE(write([&](store::WriteTx& tx) -> Status {
              SECU_TRY(out, ledger::ensure_wallet(tx.db, "agent", agent, "org_a", cur, {}, 5));
              return {};
            }).ok());
    return out;
  }

  store::AccountRow account(const std::string& id) {
    std::optional<store::AccountRow> out;
    REQUIRE(st->read([&](store::Db& db) -> Status {
                SECU_TRY(out, store::get_account(db, id));
                return {};
              }).ok());
    REQUIRE(out);
    return *out;
  }

  nlohmann::json reconcile(const std::string& org = "") {
    nlohmann::json out;
    REQUIRE(st->read([&](store::Db& db) -> Status {
                SECU_TRY(out, ledger::reconcile(db, org));
                return {};
              }).ok());
    return out;
  }

  store::TransferRow fund(const std::string& agent, int64_t amount) {
    store::TransferRow t;
    audit::Entry base;
    base.actor = {"admin", "admin"};
    base.request_id = "req_test";
    auto st2 = write([&](store::WriteTx& tx) -> Status {
      ledger::FundRequest r;
      r.org_id = "org_a";
      r.agent_id = agent;
      r.currency = "usd";
      r.amount = amount;
      SECU_TRY(t, ledger::fund(tx, r, base));
      return {};
    });
    REQUIRE(st2.ok());
    return t;
  }
};

}  // namespace

TEST_CASE("ledger: currency codes and usd values", "[ledger]") {
  CHECK(*ledger::normalize_currency("USD", "currency") == "usd");
  CHECK(*ledger::normalize_currency("usdc", "currency") == "usdc");
  CHECK_FALSE(ledger::normalize_currency("us", "currency").ok());
  CHECK_FALSE(ledger::normalize_currency("us-d", "currency").ok());
  CHECK(ledger::normalize_currency("", "asset").error().field == "asset");
  CHECK(*ledger::usd_micros_of("usd", 250) == 2'500'000);
  CHECK(*ledger::usd_micros_of("usdc", 1'500'000) == 1'500'000);
  CHECK_FALSE(ledger::usd_micros_of("eur", 100));
}

TEST_CASE("ledger: funding moves money from the funding account and reconciles", "[ledger]") {
  Ledger l;
  const auto t = l.fund("agt_1", 1000);
  CHECK(t.status == "settled");
  CHECK(t.kind == "funding");
  const auto w = l.account(t.to_account_id);
  CHECK(w.balance == 1000);
  CHECK(w.owner_id == "agt_1");
  CHECK(l.account(t.from_account_id).balance == -1000);
  auto r = l.reconcile();
  CHECK(r["balanced"] == true);
  REQUIRE(r["currencies"].size() == 1);
  CHECK(r["currencies"][0]["sum"] == 0);
  CHECK(r["currencies"][0]["entries"] == 2);
  CHECK(l.reconcile("org_a")["balanced"] == true);
}

TEST_CASE("ledger: funding an agent of another org is not found", "[ledger]") {
  Ledger l;
  audit::Entry base;
  base.actor = {"admin", "admin"};
  auto s = l.write([&](store::WriteTx& tx) -> Status {
    ledger::FundRequest r;
    r.org_id = "org_other";
    r.agent_id = "agt_1";
    r.currency = "usd";
    r.amount = 5;
    SECU_TRY(auto t, ledger::fund(tx, r, base));
    (void)t;
    return {};
  });
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == "not_found");
}

TEST_CASE("ledger: post rejects unbalanced legs and never overdraws a wallet", "[ledger]") {
  Ledger l;
  const auto a = l.wallet("agt_1");
  const auto b = l.wallet("agt_2");
  l.fund("agt_1", 100);

  auto unbalanced = l.write([&](store::WriteTx& tx) -> Status {
    return ledger::post(tx.db, "tx_x", "usd", {{a.id, -10}, {b.id, 9}}, 10);
  });
  CHECK(unbalanced.error().kind == ErrorKind::kInvalid);

  auto too_much = l.write([&](store::WriteTx& tx) -> Status {
    return ledger::post(tx.db, "tx_y", "usd", {{a.id, -101}, {b.id, 101}}, 10);
  });
  REQUIRE_FALSE(too_much.ok());
  CHECK(too_much.error().code == "insufficient_funds");
  CHECK(l.account(a.id).balance == 100);
  CHECK(l.account(b.id).balance == 0);

  REQUIRE(l.write([&](store::WriteTx& tx) -> Status {
             return ledger::post(tx.db, "tx_z", "usd", {{a.id, -100}, {b.id, 100}}, 10);
           }).ok());
  CHECK(l.account(a.id).balance == 0);
  CHECK(l.account(b.id).balance == 100);
  CHECK(l.reconcile()["balanced"] == true);
}

TEST_CASE("ledger: another currency's account cannot be a leg", "[ledger]") {
  Ledger l;
  const auto a = l.wallet("agt_1", "usd");
  const auto b = l.wallet("agt_2", "eur");
  l.fund("agt_1", 100);
  auto s = l.write([&](store::WriteTx& tx) -> Status {
    return ledger::post(tx.db, "tx_c", "usd", {{a.id, -10}, {b.id, 10}}, 10);
  });
  CHECK_FALSE(s.ok());
  CHECK(l.account(a.id).balance == 100);
}

TEST_CASE("ledger: holds reserve, post, void and expire", "[ledger]") {
  Ledger l;
  const auto a = l.wallet("agt_1");
  const auto b = l.wallet("agt_2");
  l.fund("agt_1", 100);

  store::HoldRow h1, h2;
  REQUIRE(l.write([&](store::WriteTx& tx) -> Status {
             SECU_TRY(h1, ledger::place_hold(tx.db, "tx_h1", a.id, 60, 1000, 10));
             return {};
           }).ok());
  CHECK(l.account(a.id).held == 60);
  // Only 40 available now: a hold or a debit beyond it fails.
  auto over = l.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(auto h, ledger::place_hold(tx.db, "tx_h2", a.id, 41, 1000, 10));
    (void)h;
    return {};
  });
  CHECK(over.error().code == "insufficient_funds");
  auto debit = l.write([&](store::WriteTx& tx) -> Status {
    return ledger::post(tx.db, "tx_d", "usd", {{a.id, -41}, {b.id, 41}}, 10);
  });
  CHECK(debit.error().code == "insufficient_funds");
  CHECK(l.reconcile()["balanced"] == true);

  // Posted: the entries move the money and the hold is released.
  REQUIRE(l.write([&](store::WriteTx& tx) -> Status {
             return ledger::post_hold(tx.db, h1, b.id, "usd", 20);
           }).ok());
  CHECK(l.account(a.id).balance == 40);
  CHECK(l.account(a.id).held == 0);
  CHECK(l.account(b.id).balance == 60);
  // Posting twice is refused.
  CHECK(l.write([&](store::WriteTx& tx) -> Status {
           return ledger::post_hold(tx.db, h1, b.id, "usd", 21);
         })
            .error()
            .code == "hold_not_pending");

  // Voided: nothing moves.
  REQUIRE(l.write([&](store::WriteTx& tx) -> Status {
             SECU_TRY(h2, ledger::place_hold(tx.db, "tx_h3", a.id, 40, 1000, 30));
             return ledger::release_hold(tx.db, h2, "voided", 31);
           }).ok());
  CHECK(l.account(a.id).balance == 40);
  CHECK(l.account(a.id).held == 0);

  // Expired by the sweep after its deadline (not before).
  REQUIRE(l.write([&](store::WriteTx& tx) -> Status {
             SECU_TRY(auto h, ledger::place_hold(tx.db, "tx_h4", a.id, 30, 500, 40));
             (void)h;
             SECU_TRY(auto n, ledger::expire_holds(tx, 499, 10));
             if (n != 0) return Error::internal("expired early");
             SECU_TRY(auto m, ledger::expire_holds(tx, 500, 10));
             if (m != 1) return Error::internal("not expired");
             return {};
           }).ok());
  CHECK(l.account(a.id).held == 0);
  auto r = l.reconcile();
  CHECK(r["balanced"] == true);
  CHECK(r["mismatched_accounts"].empty());
}

TEST_CASE("ledger: reconcile reports a cached balance that drifted", "[ledger]") {
  Ledger l;
  const auto t = l.fund("agt_1", 100);
  REQUIRE(l.write([&](store::WriteTx& tx) -> Status {
             // Tamper with the cache behind the ledger's back.
             return tx.db.exec(
                 "UPDATE ledger_accounts SET balance = balance + 1 WHERE owner_id "
                 "= 'agt_1'");
           }).ok());
  auto r = l.reconcile();
  CHECK(r["balanced"] == false);
  REQUIRE(r["mismatched_accounts"].size() == 1);
  CHECK(r["mismatched_accounts"][0]["wallet_id"] == t.to_account_id);
  CHECK(r["mismatched_accounts"][0]["cached_balance"] == 101);
  CHECK(r["mismatched_accounts"][0]["derived_balance"] == 100);
}

TEST_CASE("ledger: the schema itself refuses a wallet below zero", "[ledger]") {
  Ledger l;
  l.fund("agt_1", 10);
  auto s = l.write([&](store::WriteTx& tx) -> Status {
    return tx.db.exec("UPDATE ledger_accounts SET balance = -1 WHERE owner_id = 'agt_1'");
  });
  CHECK_FALSE(s.ok());
}
