// GET /metrics against the real secud: who may read it, the Prometheus text format, route
// templates instead of paths (no ids), the histogram's invariants, audit and decision counters,
// and `secuctl metrics`.
#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

// The value of the sample whose name+labels text is exactly `series` (-1 when absent).
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

std::string scrape(const Secud& s) {
  auto r = admin(s, "GET", "/metrics");
  REQUIRE(r.status == 200);
  return r.body;
}

}  // namespace

TEST_CASE("metrics: the admin token only", "[metrics]") {
  Secud s;
  CHECK(http(s.url(), "GET", "/metrics").status == 401);
  CHECK(http(s.url(), "GET", "/metrics", {}, bearer("not-a-token")).status == 401);
  const auto org = make_org(s, "m");
  const auto owner = make_user_token(s, org, "owner", "owner@example.com");
  auto r = http(s.url(), "GET", "/metrics", {}, bearer(owner));
  CHECK(r.status == 403);
  CHECK(r.json()["error"]["code"].is_string());
  auto ok = admin(s, "GET", "/metrics");
  REQUIRE(ok.status == 200);
  CHECK(ok.header("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
}

TEST_CASE("metrics: requests by route template and code, no ids, a consistent histogram",
          "[metrics]") {
  Secud s;
  const auto org = make_org(s, "metrics-org");
  auto created = admin(s, "POST", "/v1/agents", json{{"org_id", org}, {"name", "bot"}}.dump());
  const auto agent = created_id(created);
  REQUIRE(admin(s, "GET", "/v1/agents/" + agent).status == 200);
  REQUIRE(admin(s, "GET", "/v1/agents/agt_doesnotexist").status == 404);
  REQUIRE(admin(s, "GET", "/no/such/route/secret-looking-token").status == 404);

  // A request is counted by the access logger, which httplib runs after the response went
  // out: the scrape can overtake the last request's count, so wait (bounded) until it is in.
  std::string text = scrape(s);
  for (int i = 0;
       i < 100 &&
       sample(text, R"(secu_http_requests_total{method="other",route="unmatched",code="404"})") < 1;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    text = scrape(s);
  }
  INFO(text);
  CHECK(sample(text,
               R"(secu_http_requests_total{method="GET",route="/v1/agents/{id}",code="200"})") ==
        1);
  CHECK(sample(text,
               R"(secu_http_requests_total{method="GET",route="/v1/agents/{id}",code="404"})") ==
        1);
  CHECK(sample(text, R"(secu_http_requests_total{method="POST",route="/v1/orgs",code="200"})") ==
        1);
  CHECK(sample(text, R"(secu_http_requests_total{method="other",route="unmatched",code="404"})") ==
        1);
  // Paths never appear: neither the ids in them nor anything a caller typed.
  CHECK(text.find(org) == std::string::npos);
  CHECK(text.find(agent) == std::string::npos);
  CHECK(text.find("agt_doesnotexist") == std::string::npos);
  CHECK(text.find("secret-looking-token") == std::string::npos);
  CHECK(text.find(s.admin_token()) == std::string::npos);

  // Every sample line is `name{labels} value` or `name value`; HELP/TYPE before each family.
  const std::regex line_re(R"(^[a-z_]+(\{[a-z_]+="[^"\n]*"(,[a-z_]+="[^"\n]*")*\})? [0-9.e+-]+$)");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    INFO(line);
    CHECK(std::regex_match(line, line_re));
  }

  // Histogram: buckets cumulative, +Inf == _count == the request counter of the route.
  const std::string h = R"(secu_http_request_duration_seconds)";
  const std::string l = R"(method="GET",route="/v1/agents/{id}")";
  const double inf = sample(text, h + "_bucket{" + l + R"(,le="+Inf"})");
  CHECK(inf == 2);
  CHECK(sample(text, h + "_count{" + l + "}") == 2);
  CHECK(sample(text, h + "_bucket{" + l + R"(,le="0.001"})") <=
        sample(text, h + "_bucket{" + l + R"(,le="10"})"));
  CHECK(sample(text, h + "_sum{" + l + "}") >= 0);
}

TEST_CASE("metrics: audit appends count committed changes, not dry runs", "[metrics]") {
  Secud s;
  const auto org = make_org(s, "audit-org");
  const double before = sample(scrape(s), "secu_audit_appends_total");
  REQUIRE(before >= 1);
  REQUIRE(admin(s, "POST", "/v1/agents?dry_run=true", json{{"org_id", org}, {"name", "d"}}.dump())
              .status == 200);
  CHECK(sample(scrape(s), "secu_audit_appends_total") == before);
  REQUIRE(admin(s, "POST", "/v1/agents", json{{"org_id", org}, {"name", "r"}}.dump()).status ==
          200);
  CHECK(sample(scrape(s), "secu_audit_appends_total") == before + 1);
  CHECK(sample(scrape(s), "secu_audit_append_failures_total") == 0);
}

TEST_CASE("metrics: gateway decisions by outcome", "[metrics][gateway]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(
      s, gateway_options(up.base_url(), json{{"allowed_actions", {"GET /echo/*"}}}).budget(5.0));
  REQUIRE(gw(s, g.key, "GET", "/echo/a").status == 200);
  REQUIRE(gw(s, g.key, "DELETE", "/echo/a").status == 403);
  REQUIRE(gw(s, g.key, "DELETE", "/echo/b").status == 403);
  const auto text = scrape(s);
  INFO(text);
  CHECK(sample(text, R"(secu_gateway_decisions_total{outcome="allowed"})") == 1);
  CHECK(sample(text, R"(secu_gateway_decisions_total{outcome="denied"})") == 2);
  CHECK(sample(text, R"(secu_gateway_decisions_total{outcome="pending_approval"})") == 0);
  CHECK(text.find(g.agent) == std::string::npos);
  CHECK(text.find(g.key_id) == std::string::npos);
}

TEST_CASE("secuctl metrics prints the exposition and needs the admin token", "[metrics][cli]") {
  Secud s;
  auto ok = secuctl({"metrics"}, {{"SECU_ADDR", s.url()}, {"SECU_DATA_DIR", s.data_dir()}});
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.out.find("# TYPE secu_http_requests_total counter") != std::string::npos);
  auto anon = secuctl({"metrics"},
                      {{"SECU_ADDR", s.url()}, {"SECU_DATA_DIR", ""}, {"SECU_ADMIN_TOKEN", ""}});
  CHECK(anon.exit_code != 0);
  CHECK(anon.out.empty());
}
