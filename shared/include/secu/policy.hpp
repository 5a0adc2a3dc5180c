// The policy engine: pure functions that decide allow / deny / approval for one agent action.
//
// Nothing here touches storage, clocks or the network, so every rule is unit-tested in
// isolation (tests/unit/test_policy_*.cpp) and the gateway, transfers and the marketplace share
// one implementation. All functions are thread-safe (no state).
//
// Rules (DESIGN.md, Governance model):
//   * no policy attached                        → deny `no_policy` (never fail open);
//   * per policy, in this order: action allowed → path not under a denied prefix → cost ≤ max;
//   * several policies: the first deny (in the order given, i.e. attachment order) wins and
//     names its policy; otherwise any policy's approval trigger applies (require_approval,
//     cost ≥ approval_min_cost, action matching approval_actions), first trigger wins;
//   * otherwise allow.
//
// Globs (allowed_actions, approval_actions): `*` matches any run of characters (including none,
// `/` and spaces), `?` exactly one byte (one character: paths are percent-encoded ASCII), every
// other byte itself. No classes, no escapes: actions never contain `*` or `?`. Two kinds:
//   * HTTP patterns "<METHOD> <path>" (method glob of A-Z, `*`, `?`; one space; a path glob
//     starting with `/` or `*`, e.g. "GET /v1/charges/*", "* /v1/*") are matched against the
//     request's REAL method and normalised path, never against what the agent declared in
//     X-Secu-Action, so a declared name cannot unlock an HTTP allow-rule or dodge an HTTP
//     approval rule.
//   * every other pattern is a logical name ("tx.transfer", "charges.*", "*") and is matched
//     against the action: the declared one, or "<METHOD> <path>" when none was declared.
//   A declared action that looks like an HTTP action must be the request's own (after path
//   normalisation), else deny `action_mismatch`.
//   Allow-rules match strictly (case-sensitive, exact normalised path). Restrictive rules match
//   loosely, so that upstream quirks cannot be used to slip past them: denied prefixes and
//   approval patterns compare case-insensitively and ignore `;params` and trailing dots of
//   path segments ("/Admin;x=1/" and "/admin./" are under "/admin").
//
// Paths are normalised BEFORE any check (normalize_path) and compared by segments: "/admin"
// denies "/admin" and "/admin/x" but not "/administrator"; a trailing slash on a prefix does
// not matter; "/" denies everything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secu/result.hpp"

namespace secu::policy {

struct Policy {
  std::string id;
  std::string name;
  std::vector<std::string> allowed_actions;       // globs; empty = every action
  std::vector<std::string> denied_path_prefixes;  // literal paths starting with '/'
  std::optional<int64_t> max_cost_per_request_micros;
  bool require_approval = false;
  std::optional<int64_t> approval_min_cost_micros;  // cost ≥ this needs an approval
  std::vector<std::string> approval_actions;        // globs; a match needs an approval
};

struct Request {
  // What the agent declared (X-Secu-Action); empty = "<METHOD> <path>".
  std::string action;
  // Upper-case HTTP method and path (raw or normalised: evaluate normalises again). Both empty
  // for actions that are not HTTP requests (tx.transfer, marketplace.hire); path checks are
  // then skipped and every pattern is matched against `action`.
  std::string method;
  std::string path;
  int64_t cost_micros = 0;  // the cost to authorise; 0 when none was declared
};

enum class Outcome { kAllow, kDeny, kApprovalRequired };

// Stable deny reasons (snake_case, part of the API: clients branch on them).
inline constexpr std::string_view kNoPolicy = "no_policy";
inline constexpr std::string_view kActionNotAllowed = "action_not_allowed";
inline constexpr std::string_view kPathDenied = "path_denied";
inline constexpr std::string_view kCostExceedsMax = "cost_exceeds_max";
inline constexpr std::string_view kActionMismatch = "action_mismatch";
// Request errors: the gateway answers 400 before evaluating, but evaluate still denies them so
// that a caller that skipped validation never fails open.
inline constexpr std::string_view kInvalidPath = "invalid_path";
inline constexpr std::string_view kInvalidAction = "invalid_action";
inline constexpr std::string_view kInvalidCost = "invalid_cost";

// Approval reasons.
inline constexpr std::string_view kRequireApproval = "require_approval";
inline constexpr std::string_view kApprovalMinCost = "approval_min_cost";
inline constexpr std::string_view kApprovalAction = "approval_action";

struct Decision {
  Outcome outcome = Outcome::kDeny;
  std::string policy_id;        // the deciding policy (empty for no_policy and request errors)
  std::string deny_reason;      // set when outcome is kDeny
  std::string approval_reason;  // set when outcome is kApprovalRequired
  std::string message;          // human readable, safe to return to the agent
  std::string action;           // the action that was evaluated (declared or default)
  std::string path;             // the normalised path (empty for non-HTTP actions)

  bool allowed() const { return outcome == Outcome::kAllow; }
};

std::string_view to_string(Outcome o);  // "allow" | "deny" | "approval_required"

// Decides one request. `policies` in attachment order.
Decision evaluate(const std::vector<Policy>& policies, const Request& request);

// ---- building blocks (exposed for the gateway, the validators and the tests) ----------------

// Glob match as described above; `case_insensitive` folds ASCII letters.
bool glob_match(std::string_view pattern, std::string_view text, bool case_insensitive = false);
// "<METHOD-glob> <path-glob>" (see above).
bool is_http_pattern(std::string_view pattern);

// Normalises a request path (no query, no fragment) to the one form every check and the
// upstream see. Steps, in order:
//   1. must start with '/'; at most 8 KiB;
//   2. percent-escapes are decoded ONCE and only for unreserved characters (A-Z a-z 0-9 - . _ ~),
//      others stay encoded with upper-case hex, so "%2e%2E" becomes ".." and is then resolved;
//   3. rejected (error `invalid_path`): an invalid escape ("%zz", "%4", "%u002e"), an encoded
//      '/' or '\' (%2F, %5C), an encoded control character (%00, %0D, %0A…), a double-encoded
//      escape ("%252e", "%25%32%65" is an invalid escape already), a raw '\', space, control
//      character, '?' or '#', bytes that are not valid UTF-8 (overlong "%C0%AE" included), and
//      characters that compatibility normalisation or best-fit mappings turn into '.', '/' or
//      '\' (U+2024, U+2025, U+2026, U+FE52, U+FF0E, U+FF0F, U+2215, U+2044, U+29F8, U+FE68,
//      U+FF3C);
//   4. other characters outside RFC 3986 pchar ('"', '<', '>', '^', '`', '{', '|', '}', and
//      UTF-8 bytes) are percent-encoded;
//   5. "//" collapses, "." segments go, ".." removes the previous segment; a ".." above the
//      root is rejected, and so is a dot segment with parameters ("..;x", the servlet trick);
//   6. a trailing slash is kept ("/a/b/" stays, "/a/b/." becomes "/a/b/").
// The result is idempotent (normalize_path(normalize_path(p)) == normalize_path(p)) and is
// what the gateway must forward upstream, so the checked path and the sent path are the same.
Result<std::string> normalize_path(std::string_view raw);

// Whether a normalised path lies under a normalised prefix, segment by segment, loosely (see
// above: ASCII case folded, ";params" and trailing dots of the path's segments ignored).
bool path_has_prefix(std::string_view path, std::string_view prefix);

// ---- validation of policy input (for the policies endpoint) ---------------------------------
// Each returns 400 invalid_request with `field` set.

// A glob: 1..256 bytes, printable (no control characters), no leading or trailing space; an
// HTTP-looking pattern (it contains a space) must be "<METHOD> <path>" with an upper-case method
// glob and a path glob starting with '/' or '*', and no further space.
Status validate_action_glob(std::string_view glob, std::string_view field);
// A denied prefix: starts with '/', at most 1 KiB, normalises (normalize_path), and holds no
// glob characters, ';', '?' or '#' (prefixes are literal).
Status validate_path_prefix(std::string_view prefix, std::string_view field);
// A cost in USD from JSON to micro-USD: finite, non-negative, at most 1e9 USD.
Result<int64_t> cost_from_usd(double usd, std::string_view field);
// Every field of a policy: name 1..200 printable characters, at most 100 entries per list,
// each glob and prefix as above, costs non-negative.
Status validate_policy(const Policy& p);

// ---- approval grants -----------------------------------------------------------------------

// What an approval is bound to: the retry must be this same request.
struct DigestInput {
  std::string agent_id;
  std::string vendor_id;
  std::string method;
  std::string path;   // normalised (normalize_path)
  std::string query;  // raw query string as sent, without '?' ("" when none)
  std::string body;
  int64_t cost_micros = 0;
};
// Lower-case hex SHA-256 over a versioned, length-prefixed encoding of every field, so no two
// different inputs share an encoding ("ab"+"c" ≠ "a"+"bc").
std::string request_digest(const DigestInput& in);

}  // namespace secu::policy
