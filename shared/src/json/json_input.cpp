#include "secu/json_input.hpp"

#include <algorithm>
#include <cmath>

#include "secu/money.hpp"

namespace secu::json {

namespace {
const char* type_name(const nlohmann::json& v) {
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "null";
}

// Counts UTF-8 code points; nlohmann has validated the encoding on parse.
size_t utf8_length(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool has_control_chars(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}
// A key as quoted back in an error: bodies may carry keys of any length.
std::string shown_key(const std::string& key) {
  return key.size() <= 64 ? key : key.substr(0, 64) + "...";
}

}  // namespace

void Reader::fail(std::string field, std::string message) {
  if (!m_error) m_error = Error::invalid(std::move(message), std::move(field));
}

bool Reader::has(std::string_view key) const {
  auto it = m_obj.find(key);
  return it != m_obj.end() && !it->is_null();
}

const nlohmann::json* Reader::get(std::string_view key, bool required) {
  m_seen.insert(std::string(key));
  auto it = m_obj.find(key);
  // A JSON null is treated as absent: the contract has no nullable fields.
  if (it == m_obj.end() || it->is_null()) {
    if (required) fail(std::string(key), std::string(key) + " is required");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> Reader::str(std::string_view key, StrRule rule) {
  const auto* v = get(key, rule.required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(std::string(key), std::string(key) + " must be a string, not " + type_name(*v));
    return std::nullopt;
  }
  auto s = v->get<std::string>();
  const size_t len = utf8_length(s);
  if (len < rule.min_len) {
    fail(std::string(key), rule.min_len == 1 ? std::string(key) + " must not be empty"
                                             : std::string(key) + " must be at least " +
                                                   std::to_string(rule.min_len) + " characters");
    return std::nullopt;
  }
  if (len > rule.max_len) {
    fail(std::string(key),
         std::string(key) + " must be at most " + std::to_string(rule.max_len) + " characters");
    return std::nullopt;
  }
  if (has_control_chars(s)) {
    fail(std::string(key), std::string(key) + " must not contain control characters");
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> Reader::integer(std::string_view key, IntRule rule) {
  const auto* v = get(key, rule.required);
  if (!v) return std::nullopt;
  int64_t out = 0;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      fail(std::string(key), std::string(key) + " is out of range");
      return std::nullopt;
    }
    out = v->get<int64_t>();
  } else if (v->is_number_float() && std::isfinite(v->get<double>()) &&
             std::trunc(v->get<double>()) == v->get<double>() &&
             std::fabs(v->get<double>()) < 9e15) {
    out = static_cast<int64_t>(v->get<double>());  // 30.0 is an integer
  } else {
    fail(std::string(key), std::string(key) + " must be an integer");
    return std::nullopt;
  }
  if (out < rule.min || out > rule.max) {
    fail(std::string(key), std::string(key) + " must be between " + std::to_string(rule.min) +
                               " and " + std::to_string(rule.max));
    return std::nullopt;
  }
  return out;
}

std::optional<bool> Reader::boolean(std::string_view key, bool required) {
  const auto* v = get(key, required);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    fail(std::string(key), std::string(key) + " must be true or false, not " + type_name(*v));
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<int64_t> Reader::usd(std::string_view key, UsdRule rule) {
  const auto* v = get(key, rule.required);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    fail(std::string(key), std::string(key) + " must be a number (USD), not " + type_name(*v));
    return std::nullopt;
  }
  const double d = v->get<double>();
  auto micros = money::usd_to_micros(d);
  if (!micros.ok() || *micros < 0) {
    fail(std::string(key), std::string(key) + " must be a finite, non-negative amount");
    return std::nullopt;
  }
  // Micro-USD is the unit: a fraction of one (1e-7) would be rounded away silently. The
  // tolerance absorbs the binary representation of decimal input (0.1 * 1e6).
  const double exact = d * 1e6;
  if (std::fabs(exact - std::round(exact)) > 1e-3 + std::fabs(exact) * 1e-15) {
    fail(std::string(key), std::string(key) + " must have at most 6 decimals (micro-USD)");
    return std::nullopt;
  }
  if (!rule.allow_zero && *micros == 0) {
    fail(std::string(key), std::string(key) + " must be greater than zero");
    return std::nullopt;
  }
  if (*micros > rule.max_micros) {
    fail(std::string(key), std::string(key) + " is too large");
    return std::nullopt;
  }
  return *micros;
}

std::optional<std::vector<std::string>> Reader::str_array(std::string_view key, ArrayRule rule) {
  const auto* v = get(key, rule.required);
  if (!v) return std::nullopt;
  if (!v->is_array()) {
    fail(std::string(key), std::string(key) + " must be an array of strings");
    return std::nullopt;
  }
  if (v->size() > rule.max_items) {
    fail(std::string(key),
         std::string(key) + " must have at most " + std::to_string(rule.max_items) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  out.reserve(v->size());
  for (const auto& item : *v) {
    if (!item.is_string()) {
      fail(std::string(key), std::string(key) + " must be an array of strings");
      return std::nullopt;
    }
    auto s = item.get<std::string>();
    if (utf8_length(s) > rule.max_len || has_control_chars(s)) {
      fail(std::string(key),
           std::string(key) + " has an item that is too long or has control characters");
      return std::nullopt;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<std::map<std::string, std::string>> Reader::str_map(std::string_view key,
                                                                  ArrayRule rule) {
  const auto* v = get(key, rule.required);
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    fail(std::string(key), std::string(key) + " must be an object of strings");
    return std::nullopt;
  }
  if (v->size() > rule.max_items) {
    fail(std::string(key),
         std::string(key) + " must have at most " + std::to_string(rule.max_items) + " keys");
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& [k, item] : v->items()) {
    // Control characters (NUL included) are refused as in str(): they end up in logs and CSV.
    if (!item.is_string() || k.size() > 64 || item.get<std::string>().size() > rule.max_len ||
        has_control_chars(k) || has_control_chars(item.get<std::string>())) {
      fail(std::string(key), std::string(key) + " must map short keys to strings of at most " +
                                 std::to_string(rule.max_len) +
                                 " characters, without control characters");
      return std::nullopt;
    }
    out[k] = item.get<std::string>();
  }
  return out;
}

Status Reader::finish() {
  if (m_error) return *m_error;
  if (!m_obj.is_object()) return Error::invalid("the body must be a JSON object");
  for (const auto& [k, v] : m_obj.items()) {
    if (!m_seen.count(k)) {
      const auto shown = shown_key(k);
      return Error{
          ErrorKind::kInvalid, "unknown_field", "unknown field \"" + shown + "\"", shown, {}};
    }
  }
  return {};
}

bool is_valid_email(std::string_view e) {
  if (e.size() < 3 || e.size() > 254) return false;
  const auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at != e.rfind('@') || at > 64) return false;
  const auto domain = e.substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos)
    return false;
  for (char c : e) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
        c == ';' || c == ':' || c == '\\' || c == '"' || c == '[' || c == ']')
      return false;
  }
  return true;
}

std::string normalize_email(std::string_view email) {
  size_t b = 0, e = email.size();
  while (b < e && std::isspace(static_cast<unsigned char>(email[b])))
    ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(email[e - 1])))
    --e;
  std::string out(email.substr(b, e - b));
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace secu::json
