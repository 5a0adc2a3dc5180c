#include "secu/billing_math.hpp"

#include <limits>

#include "secu/clock.hpp"
#include "secu/money.hpp"

namespace secu::billing {

namespace {

constexpr int64_t kMaxBps = 10'000;
constexpr int64_t kMaxMicros = 1'000'000'000'000LL * money::kMicrosPerUsd;  // 1e12 USD

}  // namespace

std::string_view to_string(FeeMode m) {
  return m == FeeMode::kPerAction ? "per_action" : "take_rate";
}

Result<FeeMode> parse_fee_mode(std::string_view text) {
  if (text == "take_rate") return FeeMode::kTakeRate;
  if (text == "per_action") return FeeMode::kPerAction;
  return Error::invalid("fee_mode must be take_rate or per_action", "fee_mode");
}

Status validate_fee_schedule(const FeeSchedule& s) {
  if (s.take_rate_bps < 0 || s.take_rate_bps > kMaxBps) {
    return Error::invalid("take_rate_bps must be between 0 and 10000", "take_rate_bps");
  }
  if (s.fee_per_action_micros < 0 || s.fee_per_action_micros > kMaxMicros) {
    return Error::invalid("fee_per_action_usd must be a non-negative amount", "fee_per_action_usd");
  }
  return {};
}

FeeSchedule effective_fees(const FeeSchedule& defaults, const FeeOverride& org) {
  FeeSchedule s = defaults;
  if (org.mode) s.mode = *org.mode;
  if (org.take_rate_bps) s.take_rate_bps = *org.take_rate_bps;
  if (org.fee_per_action_micros) s.fee_per_action_micros = *org.fee_per_action_micros;
  return s;
}

int64_t fee_micros(const FeeSchedule& s, int64_t cost_micros, bool allowed) {
  if (!allowed) return 0;
  if (s.mode == FeeMode::kPerAction) return s.fee_per_action_micros;
  if (cost_micros <= 0) return 0;
  return money::take_rate_fee(cost_micros, s.take_rate_bps);
}

Result<int64_t> parse_usd(std::string_view text) {
  auto bad = [] { return Error::invalid("cost must be a non-negative decimal number of USD"); };
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  if (text.empty()) return bad();

  size_t i = 0;
  __int128 whole = 0;
  size_t int_digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    whole = whole * 10 + (text[i] - '0');
    if (whole > 1'000'000'000'000LL) return bad();
    ++i, ++int_digits;
  }
  if (int_digits == 0) return bad();
  __int128 micros = whole * money::kMicrosPerUsd;
  if (i < text.size()) {
    if (text[i] != '.') return bad();
    ++i;
    size_t frac_digits = 0;
    int64_t scale = money::kMicrosPerUsd / 10;
    bool round_up = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      const int digit = text[i] - '0';
      if (frac_digits < 6) {
        micros += digit * scale;
        scale /= 10;
      } else if (frac_digits == 6) {
        round_up = digit >= 5;  // half up on the 7th digit; later digits only matter at .5
      }
      ++i, ++frac_digits;
    }
    if (frac_digits == 0 || i != text.size()) return bad();
    if (round_up) micros += 1;
  }
  if (micros > kMaxMicros) return bad();
  return static_cast<int64_t>(micros);
}

bool budget_admits(const BudgetState& b, int64_t asked_micros) {
  if (asked_micros < 0) return false;
  const __int128 used = static_cast<__int128>(b.spent_micros) + b.reserved_micros + asked_micros;
  return used <= b.budget_micros;
}

int64_t budget_remaining(const BudgetState& b) {
  const __int128 left = static_cast<__int128>(b.budget_micros) - b.spent_micros - b.reserved_micros;
  if (left <= 0) return 0;
  if (left > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(left);
}

DayWindow utc_day(int64_t ms) {
  const int64_t start = utc_day_start(ms);
  return {start, start + 86'400'000};
}

int64_t saturating_add(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return out;
}

void Totals::add(bool allowed, int64_t cost, int64_t fee) {
  total_events = saturating_add(total_events, 1);
  if (allowed) {
    allowed_events = saturating_add(allowed_events, 1);
  } else {
    denied_events = saturating_add(denied_events, 1);
  }
  cost_micros = saturating_add(cost_micros, cost);
  fee_micros = saturating_add(fee_micros, fee);
}

}  // namespace secu::billing
