// The one parser of request bodies: JSON text → a JSON object, with the limits hostile input
// needs (DESIGN.md: bad input → 400, nothing written). Ctx::json_body (the daemon) and the fuzz
// targets call it; json::Reader then reads the fields.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "secu/result.hpp"

namespace secu::json {

// Request bodies nest at most this deep (objects and arrays): deeper is a 400 nesting_too_deep
// before nlohmann builds anything (deep documents cost stack in its recursive destructor).
inline constexpr size_t kMaxBodyDepth = 64;

// Parses a request body into a JSON object, or a 400 (kInvalid) saying why:
//   invalid_json      not JSON (invalid UTF-8, raw control characters and NUL bytes anywhere),
//                     a number out of double range (1e400), NaN/Infinity, or not an object;
//   nesting_too_deep  more than kMaxBodyDepth levels of objects and arrays;
//   duplicate_key     an object with the same key twice (`field` names it): nlohmann would keep
//                     the last one silently, so a proxy in front and secud could read different
//                     values from the same bytes.
// Thread-safe (no state).
Result<nlohmann::json> parse_body(std::string_view body);

}  // namespace secu::json
