// The secuctl binary against a real secud.
#include <catch2/catch.hpp>

#include "support/fixture.hpp"

using namespace secu::test;

TEST_CASE("secuctl health prints ok, -o json prints the body", "[cli]") {
  Secud s;
  auto r = secuctl({"--addr", s.url(), "health"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ok\n");
  auto j = secuctl({"--addr", s.url(), "-o", "json", "health"});
  CHECK(j.exit_code == 0);
  CHECK(j.out == "{\"status\":\"ok\"}\n");
  // SECU_ADDR works like --addr; the flag wins over it.
  auto e = secuctl({"health"}, {{"SECU_ADDR", s.url()}});
  CHECK(e.exit_code == 0);
  auto both = secuctl({"--addr", s.url(), "health"}, {{"SECU_ADDR", "http://127.0.0.1:1"}});
  CHECK(both.exit_code == 0);
}

TEST_CASE("secuctl exits 6 with one line on stderr when nothing listens", "[cli]") {
  auto r = secuctl({"--addr", "http://127.0.0.1:1", "health"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  REQUIRE_FALSE(r.err.empty());
  CHECK(r.err.find('\n') == r.err.size() - 1);  // exactly one line
  CHECK(r.err.find("unreachable") != std::string::npos);
}

TEST_CASE("secuctl exits 2 on usage errors", "[cli]") {
  CHECK(secuctl({"--no-such-flag", "health"}).exit_code == 2);
  CHECK(secuctl({"no-such-command"}).exit_code == 2);
  CHECK(secuctl({}).exit_code == 2);
  CHECK(secuctl({"-o", "yaml", "health"}).exit_code == 2);
  CHECK(secuctl({"api"}).exit_code == 2);
}

TEST_CASE("secuctl api calls any endpoint and maps statuses to exit codes", "[cli]") {
  Secud s;
  auto ok = secuctl({"--addr", s.url(), "--data-dir", s.data_dir(), "api", "GET", "/healthz"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "{\"status\":\"ok\"}\n");
  auto nf = secuctl({"--addr", s.url(), "api", "GET", "/v1/none"});
  CHECK(nf.exit_code == 4);
  CHECK(nf.err.find("not_found") != std::string::npos);
  auto bad_method = secuctl({"--addr", s.url(), "api", "POST", "/healthz", "-d", "{}"});
  CHECK(bad_method.exit_code == 1);
  CHECK(bad_method.err.find("method_not_allowed") != std::string::npos);
  auto stdin_body =
      secuctl({"--addr", s.url(), "api", "POST", "/healthz", "-d", "-"}, {}, "{\"a\":1}");
  CHECK(stdin_body.err.find("method_not_allowed") != std::string::npos);
  auto missing_file = secuctl({"--addr", s.url(), "api", "POST", "/x", "-d", "@/nonexistent"});
  CHECK(missing_file.exit_code != 0);
  CHECK(secuctl({"--addr", s.url(), "api", "GET", "healthz"}).exit_code == 2);
}

TEST_CASE("secuctl version", "[cli]") {
  auto r = secuctl({"version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("secuctl ", 0) == 0);
}

TEST_CASE("secud routes lists every route with who may call it", "[cli][routes]") {
  TempDir tmp;
  const std::string out = tmp.path() + "/routes";
  std::string cmd = SECUD_PATH;  // appended piecewise: GCC 12 misreports operator+ here
  cmd.append(" routes > ").append(out);
  REQUIRE(std::system(cmd.c_str()) == 0);
  const auto text = slurp(out);
  CHECK(text.find("GET     /healthz") != std::string::npos);
  CHECK(text.find("public") != std::string::npos);
}
