// Where callbacks may send a browser. No open redirect: only the configured console URL or a
// URL under an allow-listed prefix. A prefix matches on a boundary — "https://app.example.com"
// admits "https://app.example.com/x" but not "https://app.example.com.evil.test" — and the URL
// must be absolute http(s) without credentials, control characters or a fragment of its own
// (the fragment carries the token).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace secu::identity {

// "a, b ,c" → {"a", "b", "c"} (empty entries dropped).
std::vector<std::string> parse_allowlist(std::string_view comma_separated);

// True when `url` may be used as a redirect_url under `allowlist` (plus the console URL).
bool redirect_allowed(std::string_view url, const std::vector<std::string>& allowlist,
                      std::string_view console_url);

// The Location of a callback: `requested` when still allowed, else the console URL, else ""
// (answer 200 instead); with "#token=<jwt>" appended.
std::string callback_location(const std::optional<std::string>& requested,
                              const std::vector<std::string>& allowlist,
                              const std::string& console_url, const std::string& jwt);

}  // namespace secu::identity
