// Issue 5's acceptance scenario, as a new user would run it: sign up with curl, provision with
// secuctl (policy with approval_min_cost, agent, vendor pointing at a local upstream, key),
// call the gateway with curl: a cheap request passes and is billed, an expensive one answers
// 202, `secuctl approvals approve` lets the retry through once, `secuctl billing summary` shows
// both, with the fee.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <thread>

#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

// Runs argv (no shell) and returns its stdout; REQUIREs exit status 0.
std::string run(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) {
    std::string q = "'";
    for (char c : a)
      q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    cmd += q + "' ";
  }
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  const int st = ::pclose(p);
  INFO(cmd << "\n" << out);
  REQUIRE(WIFEXITED(st));
  REQUIRE(WEXITSTATUS(st) == 0);
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

// curl through the gateway: "<status>\n<body>".
std::pair<int, std::string> curl_gateway(const Secud& s, const std::string& key,
                                         const std::string& path, const std::string& cost,
                                         const std::string& approval_id = {}) {
  std::vector<std::string> argv = {"curl",   "-sS",
                                   "-o",     "-",
                                   "-w",     "\n%{http_code}",
                                   "-H",     "Authorization: Bearer " + key,
                                   "-H",     "X-Secu-Cost-USD: " + cost,
                                   "-H",     "Content-Type: application/json",
                                   "--data", R"({"amount":1})"};
  if (!approval_id.empty()) {
    argv.push_back("-H");
    argv.push_back("X-Secu-Approval-Id: " + approval_id);
  }
  argv.push_back(s.url() + "/v1/gateway" + path);
  auto out = trim(run(argv));
  const auto nl = out.rfind('\n');
  return {std::stoi(out.substr(nl + 1)), out.substr(0, nl)};
}

}  // namespace

TEST_CASE("acceptance: a new user's gateway round trip through secuctl and curl",
          "[gateway][acceptance]") {
  Secud s;
  Upstream up;
  TempDir tmp;

  // Sign up (curl), then everything with the console session.
  auto signup = json::parse(run(
      {"curl", "-sS", "-X", "POST", s.url() + "/v1/auth/signup", "-H",
       "Content-Type: application/json", "--data",
       R"({"email":"founder@acme.example","password":"correct horse battery staple","org_name":"Acme"})"}));
  INFO(signup.dump());
  const std::string token = signup.at("token");
  std::map<std::string, std::string> env = {{"SECU_ADDR", s.url()}, {"SECU_TOKEN", token}};
  auto ctl = [&](std::vector<std::string> args) {
    auto r = secuctl(args, env);
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
    return trim(r.out);
  };

  const auto policy = ctl({"-q", "policies", "create", "--name", "payments", "--allow", "POST /*",
                           "--approval-min-cost", "1"});
  const auto agent = ctl(
      {"-q", "agents", "create", "--name", "payer", "--daily-budget", "20", "--policy", policy});
  { std::ofstream(tmp.path() + "/vendor.key") << "vendor-secret-live-key\n"; }
  const auto vendor =
      ctl({"-q", "vendors", "create", "--name", "local", "--base-url", up.base_url(), "--auth-type",
           "bearer", "--api-key-file", tmp.path() + "/vendor.key"});
  const auto key =
      json::parse(ctl({"-o", "json", "keys", "create", "--agent", agent, "--vendor", vendor}))
          .at("key")
          .get<std::string>();
  ctl({"billing", "settings", "set", "--take-rate-bps", "100"});

  // Cheap: passes, the vendor sees its own credential.
  auto [st1, body1] = curl_gateway(s, key, "/echo/charges", "0.5");
  INFO(body1);
  REQUIRE(st1 == 200);
  CHECK(json::parse(body1)["headers"]["Authorization"][0] == "Bearer vendor-secret-live-key");

  // Expensive: 202 with an approval.
  auto [st2, body2] = curl_gateway(s, key, "/echo/charges", "5");
  REQUIRE(st2 == 202);
  const std::string approval = json::parse(body2).at("approval_id");
  auto pending = ctl({"approvals", "list", "--status", "pending"});
  CHECK(pending.find(approval) != std::string::npos);
  auto watched = ctl({"-q", "approvals", "watch", "--once"});
  CHECK(watched == approval);

  ctl({"approvals", "approve", approval});
  auto [st3, body3] = curl_gateway(s, key, "/echo/charges", "5", approval);
  INFO(body3);
  CHECK(st3 == 200);
  auto [st4, body4] = curl_gateway(s, key, "/echo/charges", "5", approval);
  CHECK(st4 == 202);  // used once: the next needs a new approval

  // secuctl gateway test does the same as curl.
  auto test = secuctl(
      {"gateway", "test", "--key", key, "POST", "/echo/charges", "-d", "{}", "--cost", "0.25"},
      env);
  INFO(test.err);
  CHECK(test.exit_code == 0);
  CHECK(test.out.rfind("HTTP 200", 0) == 0);

  // The summary shows the cheap one, the approved one and the secuctl one (all settled), the
  // two pending decisions, and the fee: 1 % of 0.5 + 5 + 0.25 = 0.0575.
  json sum;
  for (int i = 0; i < 100; ++i) {
    sum = json::parse(ctl({"-o", "json", "billing", "summary"}));
    if (sum["total_cost_micros"] == 5750000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  INFO(sum.dump());
  CHECK(sum["total_events"] == 5);
  CHECK(sum["allowed_events"] == 3);
  CHECK(sum["denied_events"] == 2);
  CHECK(sum["total_cost_usd"] == 5.75);
  CHECK(sum["total_fee_usd"] == 0.0575);
  CHECK(sum["take_rate_bps"] == 100);
  auto table = ctl({"billing", "summary"});
  CHECK(table.find("0.0575") != std::string::npos);
  auto events = json::parse(ctl({"-o", "json", "billing", "events"}));
  CHECK(events["events"].size() == 5);
}
