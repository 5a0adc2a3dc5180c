// Structured logs: one JSON object per line on stderr.
//
// Only the fields a caller names are written, so a secret can reach a log line only by being
// passed explicitly; callers pass ids, codes and numbers, never bodies, headers or query
// strings. Thread-safe: each line is written with one write(2).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace secu::log {

enum class Level { kDebug, kInfo, kWarn, kError };

using Value = std::variant<std::string_view, int64_t, double, bool>;
using Field = std::pair<std::string_view, Value>;

void set_min_level(Level level);
// Writes {"ts":…,"level":…,"msg":…, fields…} as one line.
void write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kDebug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kInfo, m, f);
}
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kWarn, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kError, m, f);
}

}  // namespace secu::log
