// Every endpoint secud serves has a secuctl command, and every command's endpoint exists: the
// route table (`secud routes`) against the command tree (`secuctl __endpoints`). Adding a route
// without a command, or a command for a route that is gone, fails here.
#include <catch2/catch.hpp>
#include <cstdio>
#include <set>
#include <sstream>

#include "support/fixture.hpp"

using namespace secu::test;

namespace {

std::string run_secud_routes() {
  std::string out;
  FILE* p = ::popen((std::string(SECUD_PATH) + " routes").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  REQUIRE(::pclose(p) == 0);
  return out;
}

}  // namespace

TEST_CASE("every secud route has a secuctl command and every command's endpoint is routed",
          "[cli][coverage]") {
  std::set<std::string> routes;
  std::istringstream rs(run_secud_routes());
  std::string line;
  std::getline(rs, line);  // header
  while (std::getline(rs, line)) {
    std::istringstream ls(line);
    std::string method, path;
    ls >> method >> path;
    if (!method.empty()) routes.insert(method + " " + path);
  }
  REQUIRE(routes.size() > 50);

  auto ep = secuctl({"__endpoints"});
  REQUIRE(ep.exit_code == 0);
  std::set<std::string> covered;
  std::istringstream es(ep.out);
  while (std::getline(es, line)) {
    const auto tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    const auto endpoint = line.substr(0, tab);
    INFO(line);
    CHECK(routes.count(endpoint) == 1);  // a command may not call a route that does not exist
    covered.insert(endpoint);
  }
  for (const auto& r : routes) {
    INFO("no secuctl command calls " << r);
    CHECK(covered.count(r) == 1);
  }
}

TEST_CASE("health probes: --ready and --live", "[cli][health]") {
  Secud s;
  const std::map<std::string, std::string> env = {{"SECU_ADDR", s.url()}};
  auto ready = secuctl({"health", "--ready"}, env);
  CHECK(ready.exit_code == 0);
  CHECK(ready.out == "ready\n");
  CHECK(secuctl({"health", "--live"}, env).out == "ok\n");
}
