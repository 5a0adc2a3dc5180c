// The foundation over real HTTP: health, request ids, the error format, limits, admin auth,
// first start and restart of the data dir.
#include <catch2/catch.hpp>

#include "support/fixture.hpp"

using namespace secu::test;

namespace {
void require_error_format(const Response& r, int status, const std::string& code) {
  INFO(r.body);
  REQUIRE(r.status == status);
  auto j = r.json();
  REQUIRE(j.contains("error"));
  CHECK(j["error"]["code"] == code);
  CHECK(j["error"]["message"].is_string());
  CHECK(j["error"]["request_id"] == r.header("X-Request-Id"));
  CHECK(r.header("Content-Type").rfind("application/json", 0) == 0);
}
}  // namespace

TEST_CASE("healthz answers ok without credentials, and nothing more", "[http]") {
  Secud s;
  auto r = http(s.url(), "GET", "/healthz");
  REQUIRE(r.status == 200);
  CHECK(r.json() == nlohmann::json{{"status", "ok"}});
  CHECK(http(s.url(), "GET", "/livez").status == 200);
  auto ready = http(s.url(), "GET", "/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.json()["status"] == "ready");
}

TEST_CASE("every response carries X-Request-Id, echoed when sent", "[http]") {
  Secud s;
  auto gen = http(s.url(), "GET", "/healthz");
  CHECK(gen.header("X-Request-Id").rfind("req_", 0) == 0);
  auto echo = http(s.url(), "GET", "/healthz", {}, {{"X-Request-Id", "ci-run-42.7"}});
  CHECK(echo.header("X-Request-Id") == "ci-run-42.7");
  // An id that could break a log line is replaced, not echoed.
  auto bad = http(s.url(), "GET", "/healthz", {}, {{"X-Request-Id", "a b\"c"}});
  CHECK(bad.header("X-Request-Id").rfind("req_", 0) == 0);
  auto nf = http(s.url(), "GET", "/nowhere", {}, {{"X-Request-Id", "trace-1"}});
  CHECK(nf.header("X-Request-Id") == "trace-1");
  CHECK(nf.json()["error"]["request_id"] == "trace-1");
}

TEST_CASE("unknown paths answer 404 and wrong methods 405, in the error format", "[http]") {
  Secud s;
  require_error_format(http(s.url(), "GET", "/v1/nothing-here"), 404, "not_found");
  auto r = http(s.url(), "POST", "/healthz", "{}");
  require_error_format(r, 405, "method_not_allowed");
  CHECK(r.header("Allow") == "GET");
  // A POST with no body and no Content-Length answers at once (no read-until-close).
  require_error_format(http(s.url(), "DELETE", "/healthz"), 405, "method_not_allowed");
}

TEST_CASE("bodies over 1 MiB answer 413 in the error format", "[http]") {
  Secud s;
  const std::string big(1024 * 1024 + 1, 'x');
  require_error_format(http(s.url(), "POST", "/healthz", big), 413, "payload_too_large");
  // The daemon keeps serving.
  CHECK(http(s.url(), "GET", "/healthz").status == 200);
}

TEST_CASE("a wrong admin token answers 401, no token on a protected route answers 401",
          "[http][auth]") {
  Secud s;
  const auto token = s.admin_token();
  REQUIRE(token.rfind("secu_admin_", 0) == 0);
  REQUIRE(token.size() > 40);
  // A protected route: the right token is let in...
  CHECK(http(s.url(), "GET", "/v1/orgs", {}, {{"X-Secu-Admin-Token", token}}).status == 200);
  // ...a wrong one, one differing in its last character, and none are not.
  require_error_format(http(s.url(), "GET", "/v1/orgs", {}, {{"X-Secu-Admin-Token", "wrong"}}), 401,
                       "unauthenticated");
  std::string near = token;
  near.back() = near.back() == 'a' ? 'b' : 'a';
  require_error_format(http(s.url(), "GET", "/v1/orgs", {}, {{"X-Secu-Admin-Token", near}}), 401,
                       "unauthenticated");
  require_error_format(http(s.url(), "GET", "/v1/orgs"), 401, "unauthenticated");
  require_error_format(http(s.url(), "POST", "/v1/orgs", R"({"name":"x"})"), 401,
                       "unauthenticated");
  // A public route ignores a bad token.
  CHECK(http(s.url(), "GET", "/healthz", {}, {{"X-Secu-Admin-Token", "wrong"}}).status == 200);
}

TEST_CASE("first start initialises the data dir privately, restart keeps it", "[http][data]") {
  Secud s;
  const auto dir = s.data_dir();
  CHECK(file_mode(dir) == 0700);
  CHECK(file_mode(dir + "/admin.token") == 0600);
  CHECK(file_mode(dir + "/master.key") == 0600);
  CHECK(file_mode(dir + "/signing.key") == 0600);
  CHECK(file_mode(dir + "/secu.db") == 0600);
  const auto token = s.admin_token();
  const auto master = slurp(dir + "/master.key");
  // The token is printed on first start.
  CHECK(s.out().find(token) != std::string::npos);
  // ...and only its hash is in the database.
  CHECK(slurp(dir + "/secu.db").find(token) == std::string::npos);
  CHECK(s.err().find(token) == std::string::npos);

  REQUIRE(s.stop() == 0);
  const auto printed_before = s.out();
  s.start();
  CHECK(s.admin_token() == token);              // not rotated
  CHECK(slurp(dir + "/master.key") == master);  // keys kept
  const auto printed_after = s.out().substr(printed_before.size());
  CHECK(printed_after.find(token) == std::string::npos);  // not printed again
  CHECK(printed_after.find("listening on 127.0.0.1:") != std::string::npos);
  CHECK(http(s.url(), "GET", "/healthz").status == 200);
}

TEST_CASE("SIGTERM drains and exits 0", "[http][signals]") {
  Secud s;
  CHECK(http(s.url(), "GET", "/healthz").status == 200);
  CHECK(s.stop() == 0);
  CHECK(s.err().find("\"msg\":\"stopped\"") != std::string::npos);
}

TEST_CASE("access log lines are JSON and carry no query string", "[http][logs]") {
  Secud s;
  http(s.url(), "GET", "/healthz?token=supersecret123", {}, {{"X-Request-Id", "log-check"}});
  s.stop();
  const auto log = s.err();
  CHECK(log.find("supersecret123") == std::string::npos);
  auto pos = log.find("\"request_id\":\"log-check\"");
  REQUIRE(pos != std::string::npos);
  const auto start = log.rfind('\n', pos) + 1;
  const auto line = log.substr(start, log.find('\n', pos) - start);
  auto j = nlohmann::json::parse(line);
  CHECK(j["path"] == "/healthz");
  CHECK(j["status"] == 200);
  CHECK(j["method"] == "GET");
}
