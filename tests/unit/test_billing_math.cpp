// Fees, metered cost parsing, budgets and totals: integer micro-USD, no float drift.
#include <catch2/catch.hpp>
#include <limits>

#include "secu/billing_math.hpp"
#include "secu/money.hpp"

using namespace secu;
using namespace secu::billing;

TEST_CASE("fee modes parse and print", "[billing_math]") {
  CHECK(parse_fee_mode("take_rate").value() == FeeMode::kTakeRate);
  CHECK(parse_fee_mode("per_action").value() == FeeMode::kPerAction);
  auto bad = parse_fee_mode("percent");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().field == "fee_mode");
  CHECK(to_string(FeeMode::kTakeRate) == "take_rate");
  CHECK(to_string(FeeMode::kPerAction) == "per_action");
}

TEST_CASE("take_rate fees round half up to the micro", "[billing_math]") {
  FeeSchedule s{FeeMode::kTakeRate, 250, 0};  // 2.5 %
  struct Case {
    int64_t cost;
    int64_t fee;
  };
  const Case cases[] = {
      {0, 0},
      {1, 0},   // 0.025 micro
      {19, 0},  // 0.475
      {20, 1},  // 0.5 → 1 (half up)
      {40, 1},  // 1.0
      {59, 1},  // 1.475
      {60, 2},  // 1.5 → 2
      {1'000'000, 25'000},
      {123'456'789, 3'086'420},  // 3,086,419.725 → 3,086,420
      {-5, 0},                   // negative costs bear no fee
  };
  for (const auto& c : cases) {
    INFO(c.cost);
    CHECK(fee_micros(s, c.cost) == c.fee);
  }
  s.take_rate_bps = 10'000;
  CHECK(fee_micros(s, 777) == 777);
  s.take_rate_bps = 0;
  CHECK(fee_micros(s, 777) == 0);
  // Large costs stay exact (128-bit intermediate).
  s.take_rate_bps = 9'999;
  CHECK(fee_micros(s, 900'000'000'000'000'000LL) == 899'910'000'000'000'000LL);
}

TEST_CASE("per_action fees are flat and only for allowed actions", "[billing_math]") {
  FeeSchedule s{FeeMode::kPerAction, 250, 1'500};
  CHECK(fee_micros(s, 0) == 1'500);
  CHECK(fee_micros(s, 99'999'999) == 1'500);
  CHECK(fee_micros(s, 10, false) == 0);
  s.mode = FeeMode::kTakeRate;
  CHECK(fee_micros(s, 1'000'000, false) == 0);
}

TEST_CASE("fee schedules validate and org overrides win field by field", "[billing_math]") {
  CHECK(validate_fee_schedule({FeeMode::kTakeRate, 0, 0}).ok());
  CHECK(validate_fee_schedule({FeeMode::kTakeRate, 10'000, 0}).ok());
  auto st = validate_fee_schedule({FeeMode::kTakeRate, 10'001, 0});
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().field == "take_rate_bps");
  CHECK(validate_fee_schedule({FeeMode::kTakeRate, -1, 0}).error().field == "take_rate_bps");
  CHECK(validate_fee_schedule({FeeMode::kPerAction, 0, -1}).error().field == "fee_per_action_usd");

  const FeeSchedule defaults{FeeMode::kTakeRate, 300, 2'000};
  auto e = effective_fees(defaults, {});
  CHECK(e.mode == FeeMode::kTakeRate);
  CHECK(e.take_rate_bps == 300);
  FeeOverride o;
  o.mode = FeeMode::kPerAction;
  e = effective_fees(defaults, o);
  CHECK(e.mode == FeeMode::kPerAction);
  CHECK(e.fee_per_action_micros == 2'000);  // inherited
  o.fee_per_action_micros = 10;
  o.take_rate_bps = 5;
  e = effective_fees(defaults, o);
  CHECK(e.fee_per_action_micros == 10);
  CHECK(e.take_rate_bps == 5);
}

TEST_CASE("parse_usd reads decimal text exactly", "[billing_math]") {
  struct Case {
    const char* text;
    int64_t micros;
  };
  const Case cases[] = {
      {"0", 0},
      {"0.1", 100'000},
      {"0.000001", 1},
      {"12", 12'000'000},
      {"3.5", 3'500'000},
      {" 0.0123 ", 12'300},
      {"0.0000005", 1},  // half up on the 7th digit
      {"0.00000049", 0},
      {"0.0000014999", 1},
      {"1.9999995", 2'000'000},
      {"1000000000000", 1'000'000'000'000'000'000LL},
      {"007.50", 7'500'000},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto r = parse_usd(c.text);
    REQUIRE(r.ok());
    CHECK(r.value() == c.micros);
  }
  for (const char* bad : {"", " ", "-1", "+1", "1e-3", "NaN", "inf", ".5", "5.", "1.2.3", "1,5",
                          "0x10", "1000000000001", "1 2", "$1"}) {
    INFO(bad);
    CHECK_FALSE(parse_usd(bad).ok());
  }
}

TEST_CASE("budgets admit exactly up to the budget, never past it", "[billing_math]") {
  BudgetState b{1'000'000, 600'000, 300'000};
  CHECK(budget_remaining(b) == 100'000);
  CHECK(budget_admits(b, 0));
  CHECK(budget_admits(b, 100'000));
  CHECK_FALSE(budget_admits(b, 100'001));
  CHECK_FALSE(budget_admits(b, -1));
  // Overspent (metered above authorised): nothing more, not even free requests.
  BudgetState over{1'000'000, 1'200'000, 0};
  CHECK(budget_remaining(over) == 0);
  CHECK_FALSE(budget_admits(over, 0));
  // No overflow near the top of the range.
  const int64_t max = std::numeric_limits<int64_t>::max();
  BudgetState huge{max, max, max};
  CHECK_FALSE(budget_admits(huge, max));
  CHECK(budget_remaining(huge) == 0);
  BudgetState roomy{max, 0, 0};
  CHECK(budget_admits(roomy, max));
  CHECK(budget_remaining(roomy) == max);
  // A budget that admits ten requests of 0.10 USD admits exactly ten when reserved in turn.
  BudgetState day{1'000'000, 0, 0};
  int admitted = 0;
  for (int i = 0; i < 64; ++i) {
    if (budget_admits(day, 100'000)) {
      day.reserved_micros += 100'000;
      ++admitted;
    }
  }
  CHECK(admitted == 10);
}

TEST_CASE("the UTC day window runs from midnight to the next midnight", "[billing_math]") {
  const int64_t t = 1'795'707'796'123;  // 2026-11-26T15:43:16.123Z
  auto w = utc_day(t);
  CHECK(w.start_ms == 1'795'651'200'000);
  CHECK(w.end_ms == w.start_ms + 86'400'000);
  CHECK(utc_day(w.start_ms).start_ms == w.start_ms);
  CHECK(utc_day(w.end_ms - 1).start_ms == w.start_ms);
  CHECK(utc_day(w.end_ms).start_ms == w.end_ms);
  CHECK(utc_day(-1).start_ms == -86'400'000);
}

TEST_CASE("totals over many events have no float drift", "[billing_math]") {
  // 1,000,000 events of 0.000123 USD at 2.5 % (3.075 micros → 3 each): integer sums are exact,
  // where summing doubles drifts.
  const FeeSchedule s{FeeMode::kTakeRate, 250, 0};
  const int64_t cost = money::usd_to_micros(0.000123).value();
  REQUIRE(cost == 123);
  Totals t;
  double float_cost = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    const bool allowed = i % 4 != 0;
    const int64_t c = allowed ? cost : 0;
    t.add(allowed, c, fee_micros(s, c, allowed));
    float_cost += allowed ? 0.000123 : 0.0;
  }
  CHECK(t.total_events == 1'000'000);
  CHECK(t.allowed_events == 750'000);
  CHECK(t.denied_events == 250'000);
  CHECK(t.cost_micros == 750'000 * 123);
  CHECK(t.fee_micros == 750'000 * 3);
  CHECK(money::micros_to_usd(t.cost_micros) == 92.25);
  CHECK(float_cost != 92.25);  // what the integers avoid
  // Per-action fees over many events.
  Totals p;
  const FeeSchedule flat{FeeMode::kPerAction, 0, 1'234};
  for (int i = 0; i < 100'000; ++i)
    p.add(true, 10, fee_micros(flat, 10));
  CHECK(p.fee_micros == 123'400'000);
  CHECK(money::micros_to_usd(p.fee_micros) == 123.4);
  // Saturation instead of wrap-around.
  const int64_t max = std::numeric_limits<int64_t>::max();
  CHECK(saturating_add(max, 1) == max);
  CHECK(saturating_add(std::numeric_limits<int64_t>::min(), -1) ==
        std::numeric_limits<int64_t>::min());
  CHECK(saturating_add(2, 3) == 5);
}
