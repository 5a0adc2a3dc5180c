// Fees, budgets and totals in integer micro-USD (DESIGN.md, Money). Pure functions, no state:
// thread-safe. Floats appear only at the JSON edge (money::usd_to_micros / micros_to_usd);
// everything here is exact, so summing a million events gives the same total as one
// multiplication (tests/unit/test_billing_math.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "secu/result.hpp"

namespace secu::billing {

// ---- fees ----------------------------------------------------------------------------------

enum class FeeMode { kTakeRate, kPerAction };

std::string_view to_string(FeeMode m);  // "take_rate" | "per_action"
// 400 invalid_request (field "fee_mode") for anything else.
Result<FeeMode> parse_fee_mode(std::string_view text);

struct FeeSchedule {
  FeeMode mode = FeeMode::kTakeRate;
  int64_t take_rate_bps = 0;          // basis points of the cost, 0..10,000
  int64_t fee_per_action_micros = 0;  // flat fee per allowed action, ≥ 0
};

// What an org overrides of the daemon's defaults; unset fields inherit.
struct FeeOverride {
  std::optional<FeeMode> mode;
  std::optional<int64_t> take_rate_bps;
  std::optional<int64_t> fee_per_action_micros;
};

// 400 with the field ("take_rate_bps" | "fee_per_action_usd") when out of range.
Status validate_fee_schedule(const FeeSchedule& s);
FeeSchedule effective_fees(const FeeSchedule& defaults, const FeeOverride& org);

// The platform fee of one decision. Only actions that went through bear a fee (a denial or a
// pending approval costs the customer nothing): take_rate → cost × bps / 10,000 rounded half
// up to the micro; per_action → the flat fee. Negative costs count as 0.
int64_t fee_micros(const FeeSchedule& s, int64_t cost_micros, bool allowed = true);

// ---- metered costs -------------------------------------------------------------------------

// An exact decimal USD amount as a vendor sends it in X-Secu-Cost-USD ("0.0123", "12", "3.5"):
// digits, an optional fraction, surrounding blanks ignored. More than 6 fraction digits round
// half up to the micro. Rejected: signs, exponents, NaN/Inf words, empty, more than 1e12 USD.
// Parsing the text (not a double) keeps "0.1" exactly 100,000 micros.
Result<int64_t> parse_usd(std::string_view text);

// ---- budgets -------------------------------------------------------------------------------

// A daily budget and what already counts against it today (the UTC day).
struct BudgetState {
  int64_t budget_micros = 0;    // the agent's daily budget
  int64_t spent_micros = 0;     // settled (metered) costs of today
  int64_t reserved_micros = 0;  // authorised costs of requests still in flight
};

// spent + reserved + asked ≤ budget, without overflow (sums are done in 128 bits). A request
// with no declared cost (asked = 0) passes while the day is not overspent.
bool budget_admits(const BudgetState& b, int64_t asked_micros);
// budget − spent − reserved, never below 0.
int64_t budget_remaining(const BudgetState& b);

// [start, end) of the UTC day holding `ms` (epoch milliseconds; negative times work too).
struct DayWindow {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};
DayWindow utc_day(int64_t ms);

// ---- totals --------------------------------------------------------------------------------

// Running totals for a billing summary: integer micro-USD, saturating instead of wrapping.
struct Totals {
  int64_t total_events = 0;
  int64_t allowed_events = 0;
  int64_t denied_events = 0;
  int64_t cost_micros = 0;
  int64_t fee_micros = 0;

  void add(bool allowed, int64_t cost, int64_t fee);
};

// a + b clamped to the int64 range.
int64_t saturating_add(int64_t a, int64_t b);

}  // namespace secu::billing
