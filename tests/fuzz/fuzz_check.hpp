// FUZZ_REQUIRE: an invariant of a fuzz target. A failure prints what broke and aborts, which
// libFuzzer records as a crash (the input is saved as crash-<sha1>).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_REQUIRE(cond)                                                               \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace secu::fuzz {

// The first n lines of a fuzz input (a multi-field input is one field per line); the last
// line keeps the rest, missing lines are empty.
inline std::vector<std::string> lines_of(std::string_view text, size_t n) {
  std::vector<std::string> out;
  while (out.size() + 1 < n) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) break;
    out.emplace_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  out.emplace_back(text);
  out.resize(n);
  return out;
}

}  // namespace secu::fuzz
