// Provisioning at scale through secuctl, as a CI pipeline does it: tests/scale/provision.sh
// makes N agents and their keys (SECU_SCALE_AGENTS, 50 in CI: each secuctl call is a process start,
// slow under ASan; tests/bench/run.sh runs 10,000) and prints its rate. Checked: every agent and
// key is in the database, every key is distinct and well formed, the audit log holds an entry per
// change and verifies.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "support/api.hpp"
#include "support/fixture.hpp"

using namespace secu::test;

namespace {

std::string source_root() {
  std::filesystem::path root =
      std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  if (root.is_relative())
    root = std::filesystem::path(SECUD_PATH).parent_path().parent_path() / root;
  return root.lexically_normal().string();
}

}  // namespace

TEST_CASE("provisioning N agents and keys through secuctl in a CI-style script", "[scale][cli]") {
  const char* env_n = std::getenv("SECU_SCALE_AGENTS");
  const int n = env_n ? std::atoi(env_n) : 50;
  REQUIRE(n > 0);
  Secud s;
  TempDir tmp;
  const std::string keys = tmp.path() + "/keys";
  const std::string bin = std::string(SECUCTL_PATH).substr(0, std::string(SECUCTL_PATH).rfind('/'));
  const std::string cmd = "env PATH='" + bin + ":/usr/bin:/bin' HOME='" + tmp.path() +
                          "' SECU_ADDR='" + s.url() + "' SECU_ADMIN_TOKEN='" + s.admin_token() +
                          "' KEYS_OUT='" + keys + "' bash " + source_root() +
                          "/tests/scale/provision.sh " + std::to_string(n) + " 2>&1";
  const auto audit_before = count_rows(s, "audit_log");
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, got);
  const int st = ::pclose(p);
  INFO(out);
  REQUIRE(WIFEXITED(st));
  REQUIRE(WEXITSTATUS(st) == 0);
  WARN(out);  // the rate, in the test log

  std::ifstream in(keys);
  std::set<std::string> agents, secrets;
  std::string agent, key;
  while (in >> agent >> key) {
    CHECK(agent.rfind("agt_", 0) == 0);
    CHECK(key.rfind("sk_secu_", 0) == 0);
    agents.insert(agent);
    secrets.insert(key);
  }
  CHECK(agents.size() == static_cast<size_t>(n));
  CHECK(secrets.size() == static_cast<size_t>(n));
  CHECK(file_mode(keys) == 0600);
  CHECK(count_rows(s, "agents") >= n);
  CHECK(count_rows(s, "keys") == n);
  // org, vendor, then agent.create and key.create per agent.
  CHECK(count_rows(s, "audit_log") == audit_before + 2 + 2 * n);
  auto verify = secuctl({"--addr", s.url(), "--admin-token", s.admin_token(), "audit", "verify"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
}
