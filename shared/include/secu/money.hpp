// Money: integers inside (micro-USD for costs, fees and budgets; minor units for transfers),
// floats only at the JSON edge.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "secu/result.hpp"

namespace secu::money {

constexpr int64_t kMicrosPerUsd = 1'000'000;

// A JSON number of USD to micro-USD, rounded half away from zero to the micro. Rejects NaN,
// infinities and amounts beyond ±1e12 USD.
Result<int64_t> usd_to_micros(double usd);
// micro-USD to a JSON number of USD (exact for every amount below 2^53 micros).
double micros_to_usd(int64_t micros);
// Cents of micro-USD, rounded half up (invoice lines round once, on the line).
int64_t micros_to_cents(int64_t micros);
// Fee in micro-USD of a cost at a take rate in basis points, rounded half up.
int64_t take_rate_fee(int64_t cost_micros, int64_t bps);

}  // namespace secu::money
