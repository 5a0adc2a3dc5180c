// The decision of one request against an agent's policies. See secu/policy.hpp for the rules;
// the comments here say why the code is shaped the way it is.
#include <fmt/core.h>

#include "internal.hpp"
#include "secu/policy.hpp"

namespace secu::policy {

namespace {

constexpr size_t kMaxAction = 256;

// Messages echo agent input; keep them short.
std::string clip(std::string_view s) {
  if (s.size() <= 120) return std::string(s);
  return fmt::format("{}...", s.substr(0, 117));
}

Decision deny(Decision d, std::string_view reason, std::string policy_id, std::string message) {
  d.outcome = Outcome::kDeny;
  d.deny_reason = std::string(reason);
  d.policy_id = std::move(policy_id);
  d.message = std::move(message);
  return d;
}

bool printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return false;
  return true;
}

// What a request looks like to the patterns. Built once per evaluation.
struct Subject {
  std::string action;      // declared, or "<METHOD> <path>"
  std::string http;        // "<METHOD> <path>" of the real request; == action when not HTTP
  std::string http_loose;  // same with the loose path (";params" and trailing dots dropped)
  bool is_http = false;
};

// Allow-rules: strict. HTTP patterns see only the real request.
bool allows(std::string_view pattern, const Subject& s) {
  if (is_http_pattern(pattern)) return glob_match(pattern, s.http);
  return glob_match(pattern, s.action);
}

// Approval rules: loose, so that a case or ";x" variant of the path cannot dodge them. A
// logical pattern sees the declared action; an HTTP pattern sees the real request.
bool triggers(std::string_view pattern, const Subject& s) {
  if (is_http_pattern(pattern)) {
    return glob_match(pattern, s.http, true) || glob_match(pattern, s.http_loose, true);
  }
  return glob_match(pattern, s.action, true);
}

}  // namespace

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::kAllow:
      return "allow";
    case Outcome::kDeny:
      return "deny";
    case Outcome::kApprovalRequired:
      return "approval_required";
  }
  return "deny";
}

Decision evaluate(const std::vector<Policy>& policies, const Request& request) {
  Decision d;
  Subject s;
  s.is_http = !request.method.empty() || !request.path.empty();

  // ---- the request itself ----
  if (s.is_http) {
    if (request.method.empty() || request.method.size() > 32 ||
        request.method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) {
      return deny(d, kInvalidAction, "", "the method must be an upper-case HTTP method");
    }
    auto norm = normalize_path(request.path);
    if (!norm.ok()) return deny(d, kInvalidPath, "", norm.error().message);
    d.path = std::move(norm).value();
    s.http = fmt::format("{} {}", request.method, d.path);
    s.http_loose = fmt::format("{} {}", request.method, detail::loose_path(d.path));
  }
  if (!request.action.empty()) {
    if (request.action.size() > kMaxAction || !printable(request.action)) {
      return deny(d, kInvalidAction, "", "the action must be 1 to 256 printable characters");
    }
    s.action = request.action;
  } else if (s.is_http) {
    s.action = s.http;
  } else {
    return deny(d, kInvalidAction, "", "an action is required");
  }
  if (!s.is_http) {
    s.http = s.action;
    s.http_loose = s.action;
  }
  d.action = s.action;
  if (request.cost_micros < 0) return deny(d, kInvalidCost, "", "the cost must not be negative");

  // A declared action that reads like an HTTP action must be this request's own: otherwise
  // "X-Secu-Action: GET /v1/harmless" on a DELETE would borrow the GET's permissions.
  if (s.is_http && !request.action.empty() && detail::looks_like_http_action(request.action)) {
    const size_t sp = request.action.find(' ');
    auto declared = normalize_path(std::string_view(request.action).substr(sp + 1));
    if (!declared.ok() || request.action.substr(0, sp) != request.method ||
        declared.value() != d.path) {
      return deny(d, kActionMismatch, "",
                  fmt::format("the declared action \"{}\" is not the request's method and path",
                              clip(request.action)));
    }
  }

  // ---- never fail open ----
  if (policies.empty()) return deny(d, kNoPolicy, "", "the agent has no policy attached");

  // ---- denies: the first denying policy (attachment order) decides ----
  for (const auto& p : policies) {
    if (!p.allowed_actions.empty()) {
      bool ok = false;
      for (const auto& g : p.allowed_actions) {
        if (allows(g, s)) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        return deny(d, kActionNotAllowed, p.id,
                    fmt::format("action \"{}\" is not allowed by policy {}", clip(s.action), p.id));
      }
    }
    if (s.is_http) {
      for (const auto& prefix : p.denied_path_prefixes) {
        // A stored prefix that no longer normalises (older rules) is compared as written: the
        // comparison is loose anyway, and skipping it would fail open.
        auto np = normalize_path(prefix);
        const std::string_view px = np.ok() ? std::string_view(np.value()) : prefix;
        if (path_has_prefix(d.path, px)) {
          return deny(d, kPathDenied, p.id,
                      fmt::format("path {} is under the denied prefix {} of policy {}",
                                  clip(d.path), clip(prefix), p.id));
        }
      }
    }
    if (p.max_cost_per_request_micros && request.cost_micros > *p.max_cost_per_request_micros) {
      return deny(d, kCostExceedsMax, p.id,
                  fmt::format("the cost exceeds the maximum per request of policy {}", p.id));
    }
  }

  // ---- approvals: any policy's trigger applies; the first one names the decision ----
  for (const auto& p : policies) {
    std::string_view reason;
    if (p.require_approval) {
      reason = kRequireApproval;
    } else if (p.approval_min_cost_micros && request.cost_micros >= *p.approval_min_cost_micros) {
      reason = kApprovalMinCost;
    } else {
      for (const auto& g : p.approval_actions) {
        if (triggers(g, s)) {
          reason = kApprovalAction;
          break;
        }
      }
    }
    if (!reason.empty()) {
      d.outcome = Outcome::kApprovalRequired;
      d.policy_id = p.id;
      d.approval_reason = std::string(reason);
      d.message = fmt::format("policy {} requires a human approval ({})", p.id, reason);
      return d;
    }
  }

  d.outcome = Outcome::kAllow;
  d.message = "allowed";
  return d;
}

}  // namespace secu::policy
