#include "secu/json_body.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace secu::json {

namespace {

// The deepest nesting of objects and arrays outside strings, stopping once past `limit`. A byte
// scan, so a hostile body is measured before any parser recursion or allocation.
size_t nesting_depth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) break;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Error body_error(std::string code, std::string message, std::string field = {}) {
  return Error{ErrorKind::kInvalid, std::move(code), std::move(message), std::move(field), {}};
}

// A key as quoted back in an error: bodies may carry keys of any length.
std::string shown_key(const std::string& key) {
  return key.size() <= 64 ? key : key.substr(0, 64) + "...";
}

}  // namespace

Result<nlohmann::json> parse_body(std::string_view body) {
  // nlohmann's lexer takes a NUL byte for the end of the input, so "{…}\0{…}" would parse as
  // its first half (found by test_hostile_input). A raw NUL is never valid JSON: refuse it.
  if (body.find('\0') != std::string_view::npos) {
    return body_error("invalid_json", "the body is not valid JSON (it holds a NUL byte)");
  }
  if (nesting_depth(body, kMaxBodyDepth) > kMaxBodyDepth) {
    return body_error("nesting_too_deep", "the body nests objects and arrays more than " +
                                              std::to_string(kMaxBodyDepth) + " levels deep");
  }
  // The keys seen in each open object, innermost last; the first repeated key wins.
  std::vector<std::set<std::string, std::less<>>> open_objects;
  std::optional<std::string> duplicate;
  using Event = nlohmann::json::parse_event_t;
  auto watch = [&](int, Event ev, nlohmann::json& parsed) {
    if (ev == Event::object_start) {
      open_objects.emplace_back();
    } else if (ev == Event::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (ev == Event::key && !open_objects.empty() && parsed.is_string()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second && !duplicate) duplicate = key;
    }
    return true;
  };
  auto j = nlohmann::json::parse(body.begin(), body.end(), watch, /*allow_exceptions=*/false);
  if (j.is_discarded()) return body_error("invalid_json", "the body is not valid JSON");
  if (duplicate) {
    const auto shown = shown_key(*duplicate);
    return body_error("duplicate_key", "the key \"" + shown + "\" appears twice in an object",
                      shown);
  }
  if (!j.is_object()) return body_error("invalid_json", "the body must be a JSON object");
  return j;
}

}  // namespace secu::json
