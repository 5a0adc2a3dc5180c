#include "secu/money.hpp"

#include <cmath>

namespace secu::money {

Result<int64_t> usd_to_micros(double usd) {
  if (!std::isfinite(usd) || std::fabs(usd) > 1e12) {
    return Error::invalid("amount must be a finite number of at most 1e12 USD");
  }
  // llround rounds half away from zero; the product of a decimal JSON number and 1e6 lands
  // within one ulp of the intended integer, so rounding recovers it.
  return static_cast<int64_t>(std::llround(usd * static_cast<double>(kMicrosPerUsd)));
}

double micros_to_usd(int64_t micros) {
  return static_cast<double>(micros) / static_cast<double>(kMicrosPerUsd);
}

int64_t micros_to_cents(int64_t micros) {
  // Half up (toward +inf) at 5,000 micros; amounts here are non-negative.
  if (micros >= 0) return (micros + 5'000) / 10'000;
  return -((-micros + 5'000) / 10'000);
}

int64_t take_rate_fee(int64_t cost_micros, int64_t bps) {
  // cost × bps / 10,000 with half-up rounding, in 128-bit to keep large costs exact.
  const __int128 num = static_cast<__int128>(cost_micros) * bps;
  return static_cast<int64_t>((num + 5'000) / 10'000);
}

}  // namespace secu::money
