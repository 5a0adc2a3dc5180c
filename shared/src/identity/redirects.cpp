#include "secu/identity/redirects.hpp"

#include <algorithm>
#include <cctype>

namespace secu::identity {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

// Absolute http(s), no userinfo (https://app@evil.test), no backslashes (some browsers read
// them as slashes), no whitespace or control characters, no fragment of its own.
bool well_formed(std::string_view url) {
  if (url.size() > 2048) return false;
  size_t rest = 0;
  if (url.starts_with("https://")) {
    rest = 8;
  } else if (url.starts_with("http://")) {
    rest = 7;
  } else {
    return false;
  }
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '\\' || c == '#') return false;
  }
  const auto end = url.find_first_of("/?", rest);
  const auto authority = url.substr(rest, end == std::string_view::npos ? url.npos : end - rest);
  return !authority.empty() && authority.find('@') == std::string_view::npos;
}

// `url` is `prefix` itself or continues it at a boundary ('/' or '?', or the prefix ends
// with '/'), so "https://a.example" never admits "https://a.example.evil.test".
bool under(std::string_view url, std::string_view prefix) {
  if (prefix.empty() || !url.starts_with(prefix)) return false;
  if (url.size() == prefix.size() || prefix.back() == '/') return true;
  const char next = url[prefix.size()];
  return next == '/' || next == '?';
}

}  // namespace

std::vector<std::string> parse_allowlist(std::string_view list) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= list.size()) {
    const auto comma = list.find(',', i);
    const auto item = trim(list.substr(i, comma == std::string_view::npos ? list.npos : comma - i));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    i = comma + 1;
  }
  return out;
}

bool redirect_allowed(std::string_view url, const std::vector<std::string>& allowlist,
                      std::string_view console_url) {
  if (!well_formed(url)) return false;
  if (!console_url.empty() && under(url, console_url)) return true;
  return std::any_of(allowlist.begin(), allowlist.end(),
                     [&](const std::string& p) { return under(url, p); });
}

std::string callback_location(const std::optional<std::string>& requested,
                              const std::vector<std::string>& allowlist,
                              const std::string& console_url, const std::string& jwt) {
  std::string base;
  // Checked again here, not only at start: the allow-list may have shrunk since (SIGHUP).
  if (requested && redirect_allowed(*requested, allowlist, console_url)) {
    base = *requested;
  } else if (!console_url.empty()) {
    base = console_url;
  } else {
    return {};
  }
  return base + (base.find('#') == std::string::npos ? "#token=" : "&token=") + jwt;
}

}  // namespace secu::identity
