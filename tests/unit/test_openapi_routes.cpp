// The route table, daemon/openapi.yaml (the contract plus what secud adds) and the contract in
// ../shared/spec cannot drift: every route is documented, every documented operation is routed
// (except the contract operations still being built, listed below), and the contract's
// operations appear in daemon/openapi.yaml unchanged.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "server/routes.hpp"

namespace {

using Op = std::pair<std::string, std::string>;  // METHOD, /path/{param}

std::set<Op> operations_of(const std::string& path) {
  std::ifstream in(path);
  std::set<Op> ops;
  std::string line, current;
  const std::regex path_line(R"(^  (/\S*):\s*$)");
  const std::regex method_line(R"(^    (get|post|put|patch|delete):)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, path_line)) {
      current = m[1];
    } else if (!current.empty() && std::regex_search(line, m, method_line)) {
      std::string method = m[1];
      for (auto& c : method)
        c = static_cast<char>(std::toupper(c));
      ops.insert({method, current});
    }
  }
  return ops;
}

std::string doc_path(std::string route_path) {
  // The route table writes a rest parameter as {path...}; OpenAPI has no such form.
  const auto p = route_path.find("...}");
  if (p != std::string::npos) route_path.erase(p, 3);
  return route_path;
}

// Contract operations whose issues are still open (Stripe: issue 6; ledger, transfers and the
// marketplace: issue 7; OIDC: issue 8). Remove a line when its route lands; the test fails if
// a listed operation gets a route, so this list cannot go stale.
const std::set<Op> kNotYetRouted = {};

}  // namespace

TEST_CASE(
    "every route is documented in daemon/openapi.yaml and every documented operation is routed",
    "[openapi]") {
  const auto documented = operations_of(SECU_OPENAPI_PATH);
  REQUIRE(documented.size() > 39);
  std::set<Op> routed;
  const auto table = secu::daemon::build_route_table();
  for (const auto& r : table.routes())
    routed.insert({r.method, doc_path(r.path)});
  for (const auto& op : routed) {
    INFO(op.first << " " << op.second);
    CHECK(documented.count(op));
  }
  for (const auto& op : documented) {
    INFO(op.first << " " << op.second);
    CHECK(routed.count(op) != kNotYetRouted.count(op));  // routed xor still pending
  }
}

TEST_CASE("daemon/openapi.yaml keeps every operation of the contract", "[openapi]") {
  std::ifstream contract(SECU_CONTRACT_PATH);
  if (!contract) {
    WARN("contract not found beside the project: " SECU_CONTRACT_PATH);
    return;
  }
  const auto theirs = operations_of(SECU_CONTRACT_PATH);
  const auto ours = operations_of(SECU_OPENAPI_PATH);
  CHECK(theirs.size() == 39);
  for (const auto& op : theirs) {
    INFO(op.first << " " << op.second);
    CHECK(ours.count(op));
  }
  // The contract's text is the head of ours, unchanged.
  std::stringstream a, b;
  a << contract.rdbuf();
  b << std::ifstream(SECU_OPENAPI_PATH).rdbuf();
  CHECK(b.str().rfind(a.str(), 0) == 0);
}
