// Typed, validated reading of request bodies (JSON objects).
//
// A Reader takes each field with its expected type and limits and records the first problem as
// an Error with the field's name; finish() also rejects fields nobody asked for (unknown fields
// are a 400, so a typo never silently does nothing). Nothing is written before finish() passes,
// which is how "bad input changes nothing" holds for every endpoint.
//
//   json::Reader r(body);
//   auto name = r.str("name", {.required = true, .max_len = 200});
//   auto budget = r.usd("daily_budget", {});
//   if (auto st = r.finish(); !st.ok()) return st.take_error();
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "secu/result.hpp"

namespace secu::json {

struct StrRule {
  bool required = false;
  size_t min_len = 0;
  size_t max_len = 1024;
};
struct IntRule {
  bool required = false;
  int64_t min = 0;
  int64_t max = INT64_MAX;
};
struct UsdRule {
  bool required = false;
  int64_t max_micros = 1'000'000'000'000'000;  // 1e9 USD
  bool allow_zero = true;
};
struct ArrayRule {
  bool required = false;
  size_t max_items = 1000;
  size_t max_len = 1024;  // per string
};

class Reader {
 public:
  explicit Reader(const nlohmann::json& obj) : m_obj(obj) {}

  std::optional<std::string> str(std::string_view key, StrRule rule = {});
  std::optional<int64_t> integer(std::string_view key, IntRule rule = {});
  std::optional<bool> boolean(std::string_view key, bool required = false);
  // A USD amount (JSON number, finite, non-negative) as integer micro-USD.
  std::optional<int64_t> usd(std::string_view key, UsdRule rule = {});
  std::optional<std::vector<std::string>> str_array(std::string_view key, ArrayRule rule = {});
  // A flat object of string values (metadata).
  std::optional<std::map<std::string, std::string>> str_map(std::string_view key,
                                                            ArrayRule rule = {});
  // Marks a field as known without reading it (read by other code).
  void allow(std::string_view key) { m_seen.insert(std::string(key)); }
  bool has(std::string_view key) const;

  // Records an error for `field` unless one is recorded already.
  void fail(std::string field, std::string message);
  bool ok() const { return !m_error.has_value(); }
  // The first error, or an "unknown field" error, or success.
  Status finish();

 private:
  const nlohmann::json* get(std::string_view key, bool required);
  const nlohmann::json& m_obj;
  std::set<std::string, std::less<>> m_seen;
  std::optional<Error> m_error;
};

// Validation helpers shared by areas.
bool is_valid_email(std::string_view email);
// Lowercases and trims an email address.
std::string normalize_email(std::string_view email);

}  // namespace secu::json
