// Policy matching and path normalisation (secu/policy.hpp). The input is lines:
//   1 method   2 raw path   3 declared action (X-Secu-Action)   4 allowed-action glob
//   5 denied path prefix    6 approval glob   7 cost in micro-USD (decimal)
// (missing lines are empty), so corpus files are readable and easy to write by hand.
// Checked beyond ASan/UBSan: normalize_path is idempotent and yields a rooted path without
// empty, "." or ".." segments; a path is under itself and under "/"; a case-sensitive glob
// match implies the case-insensitive one; no policy denies; and a request evaluate() allows
// never lies under the policy's denied prefix.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "secu/policy.hpp"

using namespace secu;

namespace {

using fuzz::lines_of;

void check_normalised(const std::string& n) {
  FUZZ_REQUIRE(!n.empty() && n.front() == '/');
  auto again = policy::normalize_path(n);
  FUZZ_REQUIRE(again.ok() && *again == n);  // idempotent: the checked path is the forwarded one
  // Segments: none empty (no "//"), none "." or "..".
  size_t start = 1;
  while (start <= n.size()) {
    const auto slash = n.find('/', start);
    const auto end = slash == std::string::npos ? n.size() : slash;
    const std::string_view seg(n.data() + start, end - start);
    if (slash != std::string::npos) FUZZ_REQUIRE(!seg.empty());
    FUZZ_REQUIRE(seg != "." && seg != "..");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  FUZZ_REQUIRE(policy::path_has_prefix(n, n));
  FUZZ_REQUIRE(policy::path_has_prefix(n, "/"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto f = lines_of(std::string_view(reinterpret_cast<const char*>(data), size), 7);
  const std::string& method = f[0];
  const std::string& raw_path = f[1];

  auto normalised = policy::normalize_path(raw_path);
  if (normalised.ok()) check_normalised(*normalised);

  // Globs, against the path and against the declared action.
  for (const auto& text : {raw_path, f[2]}) {
    for (const auto& pattern : {f[3], f[5]}) {
      if (policy::glob_match(pattern, text)) FUZZ_REQUIRE(policy::glob_match(pattern, text, true));
    }
  }
  if (f[3].find_first_of("*?") == std::string::npos) FUZZ_REQUIRE(policy::glob_match(f[3], f[3]));
  FUZZ_REQUIRE(policy::glob_match("*", raw_path));
  (void)policy::is_http_pattern(f[3]);
  (void)policy::validate_action_glob(f[3], "allowed_actions");
  (void)policy::validate_action_glob(f[5], "approval_actions");

  int64_t cost = 0;
  std::from_chars(f[6].data(), f[6].data() + f[6].size(), cost);

  policy::Request req;
  req.method = method;
  req.path = raw_path;
  req.action = f[2];
  req.cost_micros = cost;

  FUZZ_REQUIRE(policy::evaluate({}, req).outcome == policy::Outcome::kDeny);  // never fails open

  policy::Policy p;
  p.id = "pol_fuzz";
  p.name = "fuzz";
  if (!f[3].empty()) p.allowed_actions.push_back(f[3]);
  const bool prefix_ok = policy::validate_path_prefix(f[4], "denied_path_prefixes").ok();
  if (prefix_ok) p.denied_path_prefixes.push_back(f[4]);
  if (!f[5].empty()) p.approval_actions.push_back(f[5]);
  p.max_cost_per_request_micros = 1'000'000;
  const auto d = policy::evaluate({p}, req);
  if (d.outcome != policy::Outcome::kDeny && !method.empty() && !raw_path.empty()) {
    // Only a request whose path normalises gets past the path checks.
    FUZZ_REQUIRE(normalised.ok() && d.path == *normalised);
    FUZZ_REQUIRE(cost >= 0 && cost <= 1'000'000);
    if (prefix_ok) {
      auto np = policy::normalize_path(f[4]);
      FUZZ_REQUIRE(np.ok() && !policy::path_has_prefix(*normalised, *np));
    }
  }
  return 0;
}
