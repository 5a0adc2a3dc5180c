// Wall-clock time as integer milliseconds since the Unix epoch, and its RFC 3339 forms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "secu/result.hpp"

namespace secu {

int64_t now_ms();
// "2026-11-26T15:43:16.123Z" (UTC, milliseconds).
std::string format_rfc3339(int64_t ms);
// Accepts RFC 3339 ("2026-11-26T15:43:16Z", fractional seconds, Z or ±hh:mm offsets) or a date
// ("2026-11-26", meaning its 00:00 UTC).
Result<int64_t> parse_time(std::string_view text);
// Start of the UTC day containing ms.
int64_t utc_day_start(int64_t ms);

}  // namespace secu
