// Percent-encoding (RFC 3986 §2.1): every byte but the unreserved ALPHA / DIGIT / "-" / "." /
// "_" / "~" becomes %XX. Safe for a path segment, a query value and an
// application/x-www-form-urlencoded value alike (space is %20, never '+').
#pragma once

#include <string>
#include <string_view>

namespace secu {

std::string percent_encode(std::string_view s);

}  // namespace secu
