// The gateway's decision and settlement, approvals and billing totals on a real database (no
// daemon): budgets are exact, grants single-use and digest-bound, rollups equal the events.
#include <catch2/catch.hpp>
#include <chrono>
#include <random>

#include "secu/approvals.hpp"
#include "secu/billing.hpp"
#include "secu/crypto.hpp"
#include "secu/gateway_core.hpp"
#include "secu/store.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/approvals.hpp"
#include "secu/store/keys.hpp"
#include "secu/store/orgs.hpp"
#include "secu/store/vendors.hpp"
#include "support/fixture.hpp"

using namespace secu;
using namespace secu::gateway_core;

namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kNow = 1'750'000'000'000;  // 2025-06-15T15:06:40Z

struct World {
  test::TempDir tmp;
  std::unique_ptr<store::Store> st;
  std::string org = "org_t", agent = "agt_t", vendor = "vnd_t", key = "key_t";

  explicit World(std::optional<int64_t> budget = 1'000'000) {
    auto s = store::Store::open({.path = tmp.path() + "/t.db"});
    REQUIRE(s.ok());
    st = std::move(s).value();
    REQUIRE(w([&](store::Db& db) -> Status {
              store::OrgRow o;
              o.id = org;
              o.name = "O";
              o.created_at = 1;
              SECU_TRY_VOID(store::insert_org(db, o));
              store::AgentRow a;
              a.id = agent;
              a.org_id = org;
              a.name = "bot";
              a.daily_budget_micros = budget;
              a.created_at = a.updated_at = 1;
              SECU_TRY_VOID(store::insert_agent(db, a));
              store::VendorRow v;
              v.id = vendor;
              v.org_id = org;
              v.name = "v";
              v.base_url = "http://127.0.0.1:9";
              v.auth_type = "bearer";
              v.api_key_sealed = "x";
              v.api_key_last4 = "abcd";
              v.created_at = v.updated_at = 1;
              SECU_TRY_VOID(store::insert_vendor(db, v));
              store::KeyRow k;
              k.id = key;
              k.org_id = org;
              k.agent_id = agent;
              k.vendor_id = vendor;
              k.key_hash = "h";
              k.prefix = "sk_secu_abcd";
              k.created_at = 1;
              return store::insert_key(db, k);
            }).ok());
  }
  Status w(const std::function<Status(store::Db&)>& fn) {
    return st->write([&](store::WriteTx& tx) { return fn(tx.db); });
  }
  DecisionInput input(int64_t cost, policy::Outcome o = policy::Outcome::kAllow) {
    DecisionInput in;
    in.org_id = org;
    in.agent_id = agent;
    in.key_id = key;
    in.vendor_id = vendor;
    in.request_id = "req_" + crypto::random_token(4);
    in.method = "GET";
    in.path = "/x";
    in.cost_micros = cost;
    in.policy.outcome = o;
    in.policy.action = "GET /x";
    in.policy.policy_id = "pol_1";
    if (o == policy::Outcome::kApprovalRequired) in.policy.approval_reason = "approval_min_cost";
    in.digest = "digest-a";
    in.fees = {billing::FeeMode::kTakeRate, 100, 0};
    in.now_ms = kNow;
    return in;
  }
  DecisionResult decide(const DecisionInput& in) {
    DecisionResult r;
    REQUIRE(st->write([&](store::WriteTx& tx) -> Status {
                SECU_TRY(r, gateway_core::decide(tx, in, audit::Entry{}));
                return {};
              }).ok());
    return r;
  }
  void settle(const SettleInput& in) {
    REQUIRE(st->write([&](store::WriteTx& tx) { return gateway_core::settle(tx, in); }).ok());
  }
  store::BudgetDay budget(int64_t day = billing::utc_day(kNow).start_ms) {
    store::BudgetDay b;
    REQUIRE(st->read([&](store::Db& db) -> Status {
                SECU_TRY(b, store::budget_day(db, agent, day));
                return {};
              }).ok());
    return b;
  }
  store::BillingEventRow event(const std::string& id) {
    std::optional<store::BillingEventRow> e;
    REQUIRE(st->read([&](store::Db& db) -> Status {
                SECU_TRY(e, store::get_billing_event(db, id));
                return {};
              }).ok());
    REQUIRE(e);
    return *e;
  }
  store::BillingTotals totals(int64_t from, int64_t to, const std::string& agent_id = "") {
    store::BillingTotals t;
    REQUIRE(st->read([&](store::Db& db) -> Status {
                SECU_TRY(t, store::billing_totals(db, org, agent_id, from, to));
                return {};
              }).ok());
    return t;
  }
};

SettleInput settlement(const std::string& event_id, int status, bool answered,
                       std::optional<int64_t> metered, billing::FeeSchedule fees = {},
                       std::string error_code = {}) {
  SettleInput in;
  in.event_id = event_id;
  in.status_code = status;
  in.upstream_answered = answered;
  in.metered_micros = metered;
  in.fees = fees;
  in.error_code = std::move(error_code);
  return in;
}

}  // namespace

TEST_CASE("decide: reserve, settle to the metered cost, budgets exact on the UTC day",
          "[gateway]") {
  World w(1'000'000);  // 1 USD
  auto r = w.decide(w.input(600'000));
  REQUIRE(r.verdict == Verdict::kAllow);
  CHECK(w.budget().reserved_micros == 600'000);
  auto e = w.event(r.event_id);
  CHECK(e.allow);
  CHECK_FALSE(e.settled);
  CHECK(e.metering_source == "pending");
  CHECK(e.cost_micros == 600'000);

  // 0.6 reserved: 0.5 more does not fit, 0.4 does.
  CHECK(w.decide(w.input(500'000)).code == "budget_exceeded");
  auto r2 = w.decide(w.input(400'000));
  CHECK(r2.verdict == Verdict::kAllow);
  CHECK(w.budget().reserved_micros == 1'000'000);
  CHECK(w.decide(w.input(1)).code == "budget_exceeded");
  // A zero cost passes while the day is not overspent.
  CHECK(w.decide(w.input(0)).verdict == Verdict::kAllow);

  // Settle the first to a vendor-metered 0.1: 0.5 comes back.
  w.settle(settlement(r.event_id, 200, true, 100'000, {billing::FeeMode::kTakeRate, 100, 0}));
  auto b = w.budget();
  CHECK(b.spent_micros == 100'000);
  CHECK(b.reserved_micros == 400'000);
  e = w.event(r.event_id);
  CHECK(e.settled);
  CHECK(e.cost_micros == 100'000);
  CHECK(e.fee_micros == 1'000);
  CHECK(e.metering_source == "vendor_header");
  CHECK(e.status_code == 200);
  // Settling twice changes nothing.
  w.settle(settlement(r.event_id, 500, true, 900'000));
  CHECK(w.budget().spent_micros == 100'000);
  // Upstream unreachable: nothing spent, no fee.
  w.settle(settlement(r2.event_id, 502, false, std::nullopt,
                      {billing::FeeMode::kPerAction, 0, 5'000}, "upstream_unreachable"));
  b = w.budget();
  CHECK(b.reserved_micros == 0);
  CHECK(b.spent_micros == 100'000);
  e = w.event(r2.event_id);
  CHECK(e.cost_micros == 0);
  CHECK(e.fee_micros == 0);
  CHECK(e.metering_source == "none");
  CHECK(*e.error_code == "upstream_unreachable");

  // The next UTC day starts from zero.
  auto tomorrow = w.input(1'000'000);
  tomorrow.now_ms = billing::utc_day(kNow).end_ms;
  CHECK(w.decide(tomorrow).verdict == Verdict::kAllow);
  CHECK(w.budget(billing::utc_day(kNow).end_ms).reserved_micros == 1'000'000);

  // Rollups equal the events, whatever was settled.
  auto t = w.totals(kNow - kDay, kNow + 2 * kDay);
  CHECK(t.total_events == 6);
  CHECK(t.allowed_events == 4);
  CHECK(t.cost_micros == 100'000 + 0 + 0 + 1'000'000);
}

TEST_CASE("decide: order of checks, revoked keys, disabled agents, policy denials", "[gateway]") {
  World w(100);
  auto deny = w.input(0, policy::Outcome::kDeny);
  deny.policy.deny_reason = "path_denied";
  auto r = w.decide(deny);
  CHECK(r.code == "policy_denied");
  CHECK(r.deny_reason == "path_denied");
  CHECK(r.policy_id == "pol_1");
  auto e = w.event(r.event_id);
  CHECK_FALSE(e.allow);
  CHECK(e.settled);
  CHECK(e.status_code == 403);
  CHECK(*e.deny_reason == "path_denied");
  CHECK(e.fee_micros == 0);

  // A disabled agent is reported before its policies.
  REQUIRE(w.w([&](store::Db& db) -> Status {
             SECU_TRY(auto a, store::get_agent(db, w.agent));
             a->status = "disabled";
             return store::update_agent(db, *a);
           }).ok());
  CHECK(w.decide(deny).code == "agent_disabled");
  // A revoked key before everything.
  REQUIRE(w.w([&](store::Db& db) { return store::revoke_key(db, w.key, kNow); }).ok());
  r = w.decide(deny);
  CHECK(r.status == 401);
  CHECK(r.code == "unauthenticated");
}

TEST_CASE("decide: approval grants are single-use, digest-bound, agent-bound", "[gateway]") {
  World w(std::nullopt);  // no budget: unlimited
  auto in = w.input(5'000'000, policy::Outcome::kApprovalRequired);
  auto p = w.decide(in);
  REQUIRE(p.verdict == Verdict::kPending);
  CHECK(p.approval_created);
  CHECK(p.status == 202);
  CHECK(p.approval_reason == "approval_min_cost");
  CHECK(w.event(p.event_id).deny_reason == std::optional<std::string>("approval_required"));

  // Asking again with the id while pending: the same approval.
  in.approval_id = p.approval_id;
  auto again = w.decide(in);
  CHECK(again.verdict == Verdict::kPending);
  CHECK(again.approval_id == p.approval_id);
  CHECK_FALSE(again.approval_created);

  approvals::DecideInput d;
  d.approval_id = p.approval_id;
  d.approve = true;
  d.decided_by = "usr_1";
  d.now_ms = kNow + 1000;
  approvals::DecideResult out;
  REQUIRE(w.st->write([&](store::WriteTx& tx) -> Status {
                SECU_TRY(out, approvals::decide(tx, d, audit::Entry{}));
                return {};
              })
              .ok());
  CHECK_FALSE(out.refused);
  CHECK(out.row.status == "approved");
  // Another digest does not ride it.
  auto other = in;
  other.digest = "digest-b";
  auto o = w.decide(other);
  CHECK(o.verdict == Verdict::kPending);
  CHECK(o.approval_id != p.approval_id);
  // The same request rides it once.
  auto used = w.decide(in);
  CHECK(used.verdict == Verdict::kAllow);
  CHECK(used.approval_id == p.approval_id);
  CHECK(w.decide(in).verdict == Verdict::kPending);
  // A second decision is refused (409).
  REQUIRE(w.st->write([&](store::WriteTx& tx) -> Status {
                SECU_TRY(out, approvals::decide(tx, d, audit::Entry{}));
                return {};
              })
              .ok());
  REQUIRE(out.refused);
  CHECK(out.refused->code == "approval_decided");
  // Unlimited agents are still tracked.
  CHECK(w.budget().reserved_micros == 5'000'000);
}

TEST_CASE("approvals: lapsed ones expire, the kill-switch cancels", "[gateway]") {
  World w;
  auto in = w.input(1, policy::Outcome::kApprovalRequired);
  in.approval_ttl_ms = 1000;
  auto p = w.decide(in);
  in.digest = "digest-c";
  auto p2 = w.decide(in);
  store::ApprovalRow row;
  REQUIRE(w.st->read([&](store::Db& db) -> Status {
                SECU_TRY(auto r, store::get_approval(db, p.approval_id));
                row = *r;
                return {};
              })
              .ok());
  CHECK(approvals::effective_status(row, kNow + 999) == "pending");
  CHECK(approvals::effective_status(row, kNow + 1000) == "expired");
  CHECK(approvals::approval_json(row, kNow + 1000)["status"] == "expired");

  int64_t n = 0;
  REQUIRE(w.st->write([&](store::WriteTx& tx) -> Status {
                SECU_TRY(n, approvals::cancel_pending_of_agent(tx, w.agent, audit::Entry{}));
                return {};
              })
              .ok());
  CHECK(n == 2);
  REQUIRE(w.st->write([&](store::WriteTx& tx) -> Status {
                SECU_TRY(n, approvals::expire_lapsed(tx, kNow + 5000, 10, audit::Entry{}));
                return {};
              })
              .ok());
  CHECK(n == 0);  // cancelled ones are no longer pending
  (void)p2;
}

TEST_CASE("billing: periods default to the UTC month and take dates", "[gateway][billing]") {
  auto m = billing::utc_month(kNow);
  CHECK(m.from_ms == 1'748'736'000'000);             // 2025-06-01
  CHECK(m.to_ms == 1'751'328'000'000);               // 2025-07-01
  auto dec = billing::utc_month(1'765'000'000'000);  // 2025-12-06
  CHECK(dec.to_ms == 1'767'225'600'000);             // 2026-01-01
  auto p = billing::parse_period(std::string("2025-06-01"), std::string("2025-06-02"), kNow);
  REQUIRE(p.ok());
  CHECK(p->to_ms - p->from_ms == kDay);
  CHECK(billing::parse_period({}, {}, kNow)->from_ms == m.from_ms);
  CHECK_FALSE(billing::parse_period(std::string("x"), {}, kNow).ok());
  CHECK_FALSE(
      billing::parse_period(std::string("2025-06-02"), std::string("2025-06-01"), kNow).ok());
}

TEST_CASE("billing: totals from rollups equal the brute-force sum for any window",
          "[gateway][billing]") {
  World w;
  // 50,000 events over ~5 days, spread over two agents, with odd amounts.
  constexpr int kEvents = 50'000;
  std::mt19937_64 rng(42);
  std::vector<store::BillingEventRow> all;
  all.reserve(kEvents);
  REQUIRE(w.w([&](store::Db& db) -> Status {
             for (int i = 0; i < kEvents; ++i) {
               store::BillingEventRow e;
               e.id = "evt_" + std::to_string(i);
               e.org_id = w.org;
               e.agent_id = i % 3 == 0 ? "agt_b" : w.agent;
               e.key_id = w.key;
               e.vendor_id = w.vendor;
               e.request_id = "r";
               e.action = e.method = e.path = "x";
               e.allow = i % 7 != 0;
               e.cost_micros = e.allow ? static_cast<int64_t>(rng() % 1'000'003) : 0;
               e.fee_micros = e.cost_micros / 97;
               e.metering_source = "declared";
               e.created_at = kNow + static_cast<int64_t>(rng() % (5 * kDay));
               e.day = billing::utc_day(e.created_at).start_ms;
               e.hour = e.created_at / 3'600'000 * 3'600'000;
               SECU_TRY_VOID(store::insert_billing_event(db, e));
               all.push_back(e);
             }
             return {};
           }).ok());
  auto brute = [&](int64_t from, int64_t to, const std::string& agent) {
    store::BillingTotals t;
    for (const auto& e : all) {
      if (e.created_at < from || e.created_at >= to) continue;
      if (!agent.empty() && e.agent_id != agent) continue;
      ++t.total_events;
      t.allowed_events += e.allow;
      t.cost_micros += e.cost_micros;
      t.fee_micros += e.fee_micros;
    }
    return t;
  };
  for (int i = 0; i < 40; ++i) {
    int64_t a = kNow - kDay + static_cast<int64_t>(rng() % (7 * kDay));
    int64_t b = kNow - kDay + static_cast<int64_t>(rng() % (7 * kDay));
    if (i % 5 == 0) b = a + static_cast<int64_t>(rng() % 3'600'000);  // within an hour
    if (a > b) std::swap(a, b);
    const std::string agent = i % 2 ? w.agent : "";
    auto got = w.totals(a, b, agent);
    auto want = brute(a, b, agent);
    INFO(a << " " << b << " " << agent);
    CHECK(got.total_events == want.total_events);
    CHECK(got.allowed_events == want.allowed_events);
    CHECK(got.cost_micros == want.cost_micros);
    CHECK(got.fee_micros == want.fee_micros);
  }
}

// Not in the default run (tens of seconds to load): a summary over 1,000,000 events.
TEST_CASE("billing: a summary over a million events stays fast", "[.][bench]") {
  World w;
  constexpr int kEvents = 1'000'000;
  const auto load0 = std::chrono::steady_clock::now();
  for (int batch = 0; batch < kEvents / 10'000; ++batch) {
    REQUIRE(w.w([&](store::Db& db) -> Status {
               for (int i = 0; i < 10'000; ++i) {
                 const int n = batch * 10'000 + i;
                 store::BillingEventRow e;
                 e.id = "evt_" + std::to_string(n);
                 e.org_id = w.org;
                 e.agent_id = w.agent;
                 e.key_id = w.key;
                 e.vendor_id = w.vendor;
                 e.request_id = "r";
                 e.action = e.method = e.path = "x";
                 e.allow = true;
                 e.cost_micros = 100'000;
                 e.fee_micros = 1'000;
                 e.metering_source = "declared";
                 e.created_at = kNow - 20 * kDay + static_cast<int64_t>(n) * 1700;
                 e.day = billing::utc_day(e.created_at).start_ms;
                 e.hour = e.created_at / 3'600'000 * 3'600'000;
                 SECU_TRY_VOID(store::insert_billing_event(db, e));
               }
               return {};
             }).ok());
  }
  const auto load_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - load0)
                           .count();
  const auto t0 = std::chrono::steady_clock::now();
  auto t = w.totals(kNow - 30 * kDay + 1234, kNow + 30 * kDay - 777);
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::printf("summary over %d events: %lld us (loading took %lld ms)\n", kEvents,
              static_cast<long long>(us), static_cast<long long>(load_ms));
  CHECK(t.total_events == kEvents);
  CHECK(t.cost_micros == int64_t{kEvents} * 100'000);
  CHECK(us < 200'000);
}
