// Validation of policy input, for the policies endpoint: reject at write time what the engine
// could only interpret in a surprising way at decision time.
#include <cmath>

#include "secu/money.hpp"
#include "secu/policy.hpp"

namespace secu::policy {

namespace {

constexpr size_t kMaxGlob = 256;
constexpr size_t kMaxPrefix = 1024;
constexpr size_t kMaxEntries = 100;
constexpr size_t kMaxName = 200;
constexpr double kMaxCostUsd = 1e9;

Error invalid(std::string message, std::string_view field) {
  return Error::invalid(std::move(message), std::string(field));
}

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return true;
  return false;
}

}  // namespace

Status validate_action_glob(std::string_view glob, std::string_view field) {
  const std::string f(field);
  if (glob.empty() || glob.size() > kMaxGlob) {
    return invalid(f + " entries must be 1 to 256 characters", field);
  }
  if (has_control(glob)) return invalid(f + " entries must not hold control characters", field);
  if (glob.front() == ' ' || glob.back() == ' ') {
    return invalid(f + " entries must not start or end with a space", field);
  }
  const size_t sp = glob.find(' ');
  if (sp != std::string_view::npos) {
    // Contains a space: it can only be an HTTP pattern "<METHOD> <path>".
    if (!is_http_pattern(glob)) {
      return invalid(f + " entry \"" + std::string(glob.substr(0, 60)) +
                         "\" must be \"<METHOD> <path>\" with an upper-case method and a path "
                         "starting with / (or a name without spaces)",
                     field);
    }
    if (glob.find(' ', sp + 1) != std::string_view::npos) {
      return invalid(f + " entries hold at most one space (paths are percent-encoded)", field);
    }
  }
  return {};
}

Status validate_path_prefix(std::string_view prefix, std::string_view field) {
  const std::string f(field);
  if (prefix.empty() || prefix.front() != '/') {
    return invalid(f + " entries must start with /", field);
  }
  if (prefix.size() > kMaxPrefix)
    return invalid(f + " entries must be at most 1024 characters", field);
  if (prefix.find_first_of("*?;#") != std::string_view::npos) {
    return invalid(f + " entries are literal paths: no '*', '?', ';' or '#'", field);
  }
  if (auto n = normalize_path(prefix); !n.ok()) {
    return invalid(f + " entry is not a valid path (" + n.error().message + ")", field);
  }
  return {};
}

Result<int64_t> cost_from_usd(double usd, std::string_view field) {
  if (!std::isfinite(usd) || usd < 0 || usd > kMaxCostUsd) {
    return invalid(std::string(field) + " must be a finite, non-negative number of USD", field);
  }
  auto micros = money::usd_to_micros(usd);
  if (!micros.ok()) return invalid(micros.error().message, field);
  return micros.value();
}

Status validate_policy(const Policy& p) {
  if (p.name.empty() || p.name.size() > kMaxName || has_control(p.name)) {
    return invalid("name must be 1 to 200 printable characters", "name");
  }
  const auto lists = {std::pair{&p.allowed_actions, "allowed_actions"},
                      std::pair{&p.approval_actions, "approval_actions"}};
  for (const auto& [list, field] : lists) {
    if (list->size() > kMaxEntries) {
      return invalid(std::string(field) + " holds at most 100 entries", field);
    }
    for (const auto& g : *list)
      SECU_TRY_VOID(validate_action_glob(g, field));
  }
  if (p.denied_path_prefixes.size() > kMaxEntries) {
    return invalid("denied_path_prefixes holds at most 100 entries", "denied_path_prefixes");
  }
  for (const auto& x : p.denied_path_prefixes)
    SECU_TRY_VOID(validate_path_prefix(x, "denied_path_prefixes"));
  if (p.max_cost_per_request_micros && *p.max_cost_per_request_micros < 0) {
    return invalid("max_cost_per_request must not be negative", "max_cost_per_request");
  }
  if (p.approval_min_cost_micros && *p.approval_min_cost_micros < 0) {
    return invalid("approval_min_cost must not be negative", "approval_min_cost");
  }
  return {};
}

}  // namespace secu::policy
