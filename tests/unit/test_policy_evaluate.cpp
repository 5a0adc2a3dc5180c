// The policy engine's decisions, table-driven: globs, prefix denials, cost limits, several
// policies, approval triggers, no policy.
#include <catch2/catch.hpp>

#include "secu/policy.hpp"

using namespace secu::policy;

namespace {

Policy pol(std::string id) {
  Policy p;
  p.id = std::move(id);
  p.name = p.id;
  return p;
}

Request http(std::string method, std::string path, int64_t cost = 0, std::string action = {}) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.cost_micros = cost;
  r.action = std::move(action);
  return r;
}

}  // namespace

TEST_CASE("glob_match: * any run, ? one character, the rest literal", "[policy][glob]") {
  struct Case {
    const char* pattern;
    const char* text;
    bool match;
  };
  const Case cases[] = {
      {"*", "", true},
      {"*", "GET /v1/charges", true},
      {"", "", true},
      {"", "x", false},
      {"tx.transfer", "tx.transfer", true},
      {"tx.transfer", "tx.transfers", false},
      {"tx.transfer", "txxtransfer", false},  // '.' is literal
      {"tx.*", "tx.transfer", true},
      {"tx.*", "tx.", true},
      {"tx.*", "tx", false},
      {"GET /v1/*", "GET /v1/charges", true},
      {"GET /v1/*", "GET /v1/charges/ch_1/refunds", true},  // '*' crosses '/'
      {"GET /v1/*", "POST /v1/charges", false},
      {"* /v1/charges", "DELETE /v1/charges", true},
      {"GET /v1/charges/?", "GET /v1/charges/1", true},
      {"GET /v1/charges/?", "GET /v1/charges/12", false},
      {"GET /v1/charges/?", "GET /v1/charges/", false},
      {"*charges*", "GET /v1/charges/1", true},
      {"a*b*c", "abc", true},
      {"a*b*c", "aXbYc", true},
      {"a*b*c", "aXbY", false},
      {"a*b*c", "acb", false},
      {"**", "anything", true},
      {"?", "", false},
      {"GET /v1/Charges", "GET /v1/charges", false},  // case-sensitive by default
  };
  for (const auto& c : cases) {
    INFO(c.pattern << " ~ " << c.text);
    CHECK(glob_match(c.pattern, c.text) == c.match);
  }
  CHECK(glob_match("GET /v1/Charges", "GET /v1/charges", true));
  // A hostile pattern does not blow up.
  CHECK_FALSE(glob_match(std::string(100, '*') + "b", std::string(10000, 'a')));
}

TEST_CASE("is_http_pattern tells HTTP patterns from names", "[policy][glob]") {
  CHECK(is_http_pattern("GET /v1/*"));
  CHECK(is_http_pattern("* /v1/*"));
  CHECK(is_http_pattern("* *"));
  CHECK(is_http_pattern("P?T /x"));
  CHECK_FALSE(is_http_pattern("*"));
  CHECK_FALSE(is_http_pattern("tx.transfer"));
  CHECK_FALSE(is_http_pattern("get /v1"));
  CHECK_FALSE(is_http_pattern("GET v1"));
  CHECK_FALSE(is_http_pattern(" /v1"));
}

TEST_CASE("no policy denies, never fails open", "[policy]") {
  auto d = evaluate({}, http("GET", "/v1/charges"));
  CHECK(d.outcome == Outcome::kDeny);
  CHECK(d.deny_reason == "no_policy");
  CHECK(d.policy_id.empty());
  Request tx;
  tx.action = "tx.transfer";
  CHECK(evaluate({}, tx).deny_reason == "no_policy");
}

TEST_CASE("allowed_actions: empty allows all, otherwise a glob must match", "[policy]") {
  auto open = pol("pol_open");
  auto reads = pol("pol_reads");
  reads.allowed_actions = {"GET /v1/*", "charges.read"};

  struct Case {
    Policy p;
    Request r;
    Outcome want;
    const char* reason;
  };
  const Case cases[] = {
      {open, http("DELETE", "/anything"), Outcome::kAllow, ""},
      {reads, http("GET", "/v1/charges"), Outcome::kAllow, ""},
      {reads, http("POST", "/v1/charges"), Outcome::kDeny, "action_not_allowed"},
      {reads, http("GET", "/v2/charges"), Outcome::kDeny, "action_not_allowed"},
      // The real path is checked after normalisation, both ways.
      {reads, http("GET", "/v1/../v2/charges"), Outcome::kDeny, "action_not_allowed"},
      {reads, http("GET", "/v2/../v1/charges"), Outcome::kAllow, ""},
      // A logical declared action matches a logical pattern.
      {reads, http("POST", "/v1/charges", 0, "charges.read"), Outcome::kAllow, ""},
      // An HTTP pattern looks at the real request, not at a logical name.
      {reads, http("GET", "/v1/charges", 0, "something.else"), Outcome::kAllow, ""},
      // A declared HTTP-looking action must be the request's own.
      {reads, http("DELETE", "/v1/charges", 0, "GET /v1/charges"), Outcome::kDeny,
       "action_mismatch"},
      {reads, http("GET", "/v1/x/../charges", 0, "GET /v1/charges"), Outcome::kAllow, ""},
      {reads, http("GET", "/v1/charges", 0, "GET /v1/charges/../refunds"), Outcome::kDeny,
       "action_mismatch"},
      // Strict: the allow-list is case-sensitive.
      {reads, http("GET", "/V1/charges"), Outcome::kDeny, "action_not_allowed"},
  };
  for (const auto& c : cases) {
    INFO(c.r.method << " " << c.r.path << " [" << c.r.action << "] with " << c.p.id);
    auto d = evaluate({c.p}, c.r);
    CHECK(d.outcome == c.want);
    CHECK(d.deny_reason == c.reason);
    if (c.want == Outcome::kDeny && std::string(c.reason) == "action_not_allowed") {
      CHECK(d.policy_id == c.p.id);
    }
  }
}

TEST_CASE("non-HTTP actions match names only", "[policy]") {
  auto p = pol("pol_tx");
  p.allowed_actions = {"tx.*"};
  Request r;
  r.action = "tx.transfer";
  CHECK(evaluate({p}, r).allowed());
  r.action = "marketplace.hire";
  CHECK(evaluate({p}, r).deny_reason == "action_not_allowed");
  // HTTP patterns never match a non-HTTP action.
  p.allowed_actions = {"* *"};
  r.action = "tx.transfer";
  CHECK(evaluate({p}, r).deny_reason == "action_not_allowed");
  // Denied prefixes do not apply without a path.
  p.allowed_actions = {};
  p.denied_path_prefixes = {"/"};
  CHECK(evaluate({p}, r).allowed());
  // An action is required.
  CHECK(evaluate({p}, Request{}).deny_reason == "invalid_action");
}

TEST_CASE("denied prefixes deny after normalisation, by segments", "[policy]") {
  auto p = pol("pol_paths");
  p.denied_path_prefixes = {"/admin", "/v1/secrets/"};
  struct Case {
    const char* path;
    const char* reason;  // "" = allowed
  };
  const Case cases[] = {
      {"/admin", "path_denied"},
      {"/admin/users", "path_denied"},
      {"/administrator", ""},
      {"/v1/secrets", "path_denied"},
      {"/v1/secrets/x", "path_denied"},
      {"/v1/secretsx", ""},
      {"/v1/public/../secrets/x", "path_denied"},
      {"//admin", "path_denied"},
      {"/./admin", "path_denied"},
      {"/x/%2e%2e/admin", "path_denied"},
      {"/x/%2E%2E/admin", "path_denied"},
      {"/%61dmin", "path_denied"},
      {"/ADMIN", "path_denied"},
      {"/admin;x=1", "path_denied"},
      {"/admin.", "path_denied"},
      {"/v1/SECRETS/x", "path_denied"},
      {"/x/..%2fadmin", "invalid_path"},
      {"/%252e%252e/admin", "invalid_path"},
      {"/x/..%5cadmin", "invalid_path"},
      {"/x\\..\\admin", "invalid_path"},
      {"/..", "invalid_path"},
      {"/x/..;/admin", "invalid_path"},
      {"/%00admin", "invalid_path"},
      {"/v1/charges", ""},
  };
  for (const auto& c : cases) {
    INFO(c.path);
    auto d = evaluate({p}, http("GET", c.path));
    if (std::string(c.reason).empty()) {
      CHECK(d.allowed());
    } else {
      CHECK(d.outcome == Outcome::kDeny);
      CHECK(d.deny_reason == c.reason);
      if (std::string(c.reason) == "path_denied") CHECK(d.policy_id == "pol_paths");
    }
  }
  CHECK(evaluate({p}, http("GET", "/v1/x/../charges")).path == "/v1/charges");
}

TEST_CASE("cost limits: above the maximum denies, at it passes", "[policy]") {
  auto p = pol("pol_cost");
  p.max_cost_per_request_micros = 500'000;
  CHECK(evaluate({p}, http("POST", "/x", 0)).allowed());
  CHECK(evaluate({p}, http("POST", "/x", 500'000)).allowed());
  auto d = evaluate({p}, http("POST", "/x", 500'001));
  CHECK(d.deny_reason == "cost_exceeds_max");
  CHECK(d.policy_id == "pol_cost");
  p.max_cost_per_request_micros = 0;
  CHECK(evaluate({p}, http("POST", "/x", 0)).allowed());
  CHECK(evaluate({p}, http("POST", "/x", 1)).deny_reason == "cost_exceeds_max");
  CHECK(evaluate({p}, http("POST", "/x", -1)).deny_reason == "invalid_cost");
}

TEST_CASE("deny order inside a policy: action, then path, then cost", "[policy]") {
  auto p = pol("pol_all");
  p.allowed_actions = {"GET *"};
  p.denied_path_prefixes = {"/admin"};
  p.max_cost_per_request_micros = 10;
  CHECK(evaluate({p}, http("POST", "/admin", 99)).deny_reason == "action_not_allowed");
  CHECK(evaluate({p}, http("GET", "/admin", 99)).deny_reason == "path_denied");
  CHECK(evaluate({p}, http("GET", "/x", 99)).deny_reason == "cost_exceeds_max");
  CHECK(evaluate({p}, http("GET", "/x", 10)).allowed());
}

TEST_CASE("several policies: any deny wins and names its policy", "[policy]") {
  auto a = pol("pol_a");  // allows everything
  auto b = pol("pol_b");
  b.denied_path_prefixes = {"/admin"};
  auto c = pol("pol_c");
  c.max_cost_per_request_micros = 100;
  auto gets = pol("pol_gets");
  gets.allowed_actions = {"GET *"};

  CHECK(evaluate({a, b, c}, http("GET", "/x", 50)).allowed());
  auto d = evaluate({a, b, c}, http("GET", "/admin/x", 50));
  CHECK(d.deny_reason == "path_denied");
  CHECK(d.policy_id == "pol_b");
  d = evaluate({a, b, c}, http("GET", "/x", 500));
  CHECK(d.deny_reason == "cost_exceeds_max");
  CHECK(d.policy_id == "pol_c");
  // Allowing in one policy does not override a deny in another.
  d = evaluate({a, gets}, http("POST", "/x"));
  CHECK(d.deny_reason == "action_not_allowed");
  CHECK(d.policy_id == "pol_gets");
  // Two denying policies: the first in attachment order is named.
  d = evaluate({c, b}, http("GET", "/admin", 500));
  CHECK(d.policy_id == "pol_c");
  d = evaluate({b, c}, http("GET", "/admin", 500));
  CHECK(d.policy_id == "pol_b");
  // A deny beats an approval requirement of another policy.
  auto appr = pol("pol_appr");
  appr.require_approval = true;
  d = evaluate({appr, b}, http("GET", "/admin"));
  CHECK(d.outcome == Outcome::kDeny);
  CHECK(d.policy_id == "pol_b");
}

TEST_CASE("approval triggers: require_approval, min cost, actions", "[policy]") {
  auto always = pol("pol_always");
  always.require_approval = true;
  auto big = pol("pol_big");
  big.approval_min_cost_micros = 1'000'000;
  auto deletes = pol("pol_deletes");
  deletes.approval_actions = {"DELETE *", "payouts.*"};
  auto open = pol("pol_open");

  struct Case {
    std::vector<Policy> ps;
    Request r;
    Outcome want;
    const char* policy;
    const char* reason;
  };
  const Case cases[] = {
      {{always}, http("GET", "/x"), Outcome::kApprovalRequired, "pol_always", "require_approval"},
      {{big}, http("GET", "/x", 999'999), Outcome::kAllow, "", ""},
      {{big},
       http("GET", "/x", 1'000'000),
       Outcome::kApprovalRequired,
       "pol_big",
       "approval_min_cost"},
      {{deletes},
       http("DELETE", "/v1/x"),
       Outcome::kApprovalRequired,
       "pol_deletes",
       "approval_action"},
      {{deletes}, http("GET", "/v1/x"), Outcome::kAllow, "", ""},
      // A logical name cannot dodge an HTTP approval rule.
      {{deletes},
       http("DELETE", "/v1/x", 0, "cleanup.run"),
       Outcome::kApprovalRequired,
       "pol_deletes",
       "approval_action"},
      // A logical approval rule sees the declared action.
      {{deletes},
       http("POST", "/v1/payouts", 0, "payouts.create"),
       Outcome::kApprovalRequired,
       "pol_deletes",
       "approval_action"},
      // Any policy's trigger applies; the first policy with one is named.
      {{open, big},
       http("GET", "/x", 2'000'000),
       Outcome::kApprovalRequired,
       "pol_big",
       "approval_min_cost"},
      {{big, always},
       http("GET", "/x", 0),
       Outcome::kApprovalRequired,
       "pol_always",
       "require_approval"},
      {{always, big},
       http("GET", "/x", 5'000'000),
       Outcome::kApprovalRequired,
       "pol_always",
       "require_approval"},
      {{open}, http("GET", "/x", 5'000'000), Outcome::kAllow, "", ""},
  };
  for (const auto& c : cases) {
    INFO(c.r.method << " " << c.r.path << " cost " << c.r.cost_micros);
    auto d = evaluate(c.ps, c.r);
    CHECK(d.outcome == c.want);
    CHECK(d.policy_id == c.policy);
    CHECK(d.approval_reason == c.reason);
    CHECK(d.deny_reason.empty());
  }
}

TEST_CASE("approval patterns match loosely: case and matrix params cannot dodge them", "[policy]") {
  auto p = pol("pol_refunds");
  p.approval_actions = {"POST /v1/refunds*"};
  for (const char* path : {"/v1/refunds", "/V1/Refunds", "/v1/refunds;x=1", "/v1/refunds.",
                           "/v1//refunds", "/v1/x/../refunds", "/v1/%72efunds"}) {
    INFO(path);
    CHECK(evaluate({p}, http("POST", path)).outcome == Outcome::kApprovalRequired);
  }
  CHECK(evaluate({p}, http("POST", "/v1/charges")).allowed());
}

TEST_CASE("malformed requests are denied, not let through", "[policy]") {
  auto p = pol("pol_open");
  CHECK(evaluate({p}, http("get", "/x")).deny_reason == "invalid_action");
  CHECK(evaluate({p}, http("", "/x")).deny_reason == "invalid_action");
  CHECK(evaluate({p}, http("GET", "")).deny_reason == "invalid_path");
  CHECK(evaluate({p}, http("GET", "x")).deny_reason == "invalid_path");
  CHECK(evaluate({p}, http("GET", "/x", 0, std::string(300, 'a'))).deny_reason == "invalid_action");
  CHECK(evaluate({p}, http("GET", "/x", 0, "a\nb")).deny_reason == "invalid_action");
}

TEST_CASE("the decision reports the action and path it evaluated", "[policy]") {
  auto d = evaluate({pol("pol_open")}, http("GET", "/v1//x/./y"));
  CHECK(d.allowed());
  CHECK(d.action == "GET /v1/x/y");
  CHECK(d.path == "/v1/x/y");
  CHECK(to_string(d.outcome) == "allow");
  CHECK(to_string(Outcome::kDeny) == "deny");
  CHECK(to_string(Outcome::kApprovalRequired) == "approval_required");
  d = evaluate({pol("pol_open")}, http("GET", "/v1/x", 0, "charges.read"));
  CHECK(d.action == "charges.read");
}
