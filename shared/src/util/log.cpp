#include "secu/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <nlohmann/json.hpp>

#include "secu/clock.hpp"

namespace secu::log {

namespace {
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}
}  // namespace

void set_min_level(Level level) {
  g_min_level = static_cast<int>(level);
}

void write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < g_min_level.load(std::memory_order_relaxed)) return;
  nlohmann::json j;
  j["ts"] = format_rfc3339(now_ms());
  j["level"] = level_name(level);
  j["msg"] = msg;
  for (const auto& field : fields) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const std::string key(field.first);
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, double>) {
            j[key] = std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
          } else {
            j[key] = x;
          }
        },
        field.second);
  }
  // Invalid UTF-8 in a field must not throw out of a log call; replace it.
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  // One write(2) per line keeps lines whole when threads log at once.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace secu::log
