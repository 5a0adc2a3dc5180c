// Glob matching of actions: `*` any run, `?` one byte, everything else literal.
#include "secu/policy.hpp"

namespace secu::policy {

namespace {

char fold(char c, bool ci) {
  return (ci && c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool case_insensitive) {
  // Greedy matching with one backtrack point (the last `*`): linear for the patterns people
  // write, O(pattern × text) at worst, and no recursion a hostile pattern could blow up.
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || fold(pattern[p], case_insensitive) ==
                                                               fold(text[t], case_insensitive))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

bool is_http_pattern(std::string_view pattern) {
  const size_t sp = pattern.find(' ');
  if (sp == std::string_view::npos || sp == 0 || sp + 1 >= pattern.size()) return false;
  for (size_t i = 0; i < sp; ++i) {
    const char c = pattern[i];
    if (!((c >= 'A' && c <= 'Z') || c == '*' || c == '?')) return false;
  }
  const char first = pattern[sp + 1];
  return first == '/' || first == '*';
}

}  // namespace secu::policy
