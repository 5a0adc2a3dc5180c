// secuctl as operators and scripts expect it: contexts, --dry-run on creates (server side
// included), --all on lists, colour rules, help topics.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "support/api.hpp"
#include "support/fixture.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

std::string trim(std::string v) {
  while (!v.empty() && (v.back() == '\n' || v.back() == ' '))
    v.pop_back();
  return v;
}

}  // namespace

TEST_CASE("dry_run on creates: the server validates, answers 200 and stores nothing",
          "[cli][dry_run]") {
  Secud s;
  auto org = make_org(s, "Acme");
  const auto audit_before = count_rows(s, "audit_log");
  const auto agents_before = count_rows(s, "agents");

  auto r = admin(s, "POST", "/v1/agents?dry_run=true",
                 json{{"org_id", org}, {"name", "bot"}, {"daily_budget", 5}}.dump());
  CHECK(r.status == 200);
  CHECK(r.header("Secu-Dry-Run") == "true");
  auto body = json::parse(r.body);
  CHECK(body["dry_run"] == true);
  CHECK(body["name"] == "bot");
  CHECK(count_rows(s, "agents") == agents_before);
  CHECK(count_rows(s, "audit_log") == audit_before);

  // The same checks as a real create: bad input is still 400.
  auto bad = admin(s, "POST", "/v1/agents?dry_run=true", json{{"org_id", org}, {"name", 5}}.dump());
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["error"]["field"] == "name");
  // A dry run of a key for an unknown agent is the same 404 as the real thing.
  auto key = admin(s, "POST", "/v1/keys?dry_run=true",
                   json{{"agent_id", "agt_missing"}, {"vendor_id", "vnd_missing"}}.dump());
  CHECK(key.status == 404);
  // Endpoints whose effects leave the database have no dry run; bad values are refused.
  auto unsupported = admin(s, "POST", "/v1/orgs?dry_run=true", json{{"name", "X"}}.dump());
  CHECK(unsupported.status == 400);
  CHECK(json::parse(unsupported.body)["error"]["code"] == "dry_run_unsupported");
  CHECK(admin(s, "POST", "/v1/agents?dry_run=yes", json{{"name", "b"}, {"org_id", org}}.dump())
            .status == 400);
  CHECK(count_rows(s, "orgs") == 1);
  CHECK(count_rows(s, "audit_log") == audit_before);

  // Through secuctl: --dry-run prints the would-be agent and leaves none behind.
  TempDir tmp;
  const std::map<std::string, std::string> env = {{"SECU_ADDR", s.url()},
                                                  {"SECU_DATA_DIR", s.data_dir()}};
  auto cli =
      secuctl({"-o", "json", "agents", "create", "--org", org, "--name", "dry", "--dry-run"}, env);
  REQUIRE(cli.exit_code == 0);
  CHECK(json::parse(cli.out)["dry_run"] == true);
  CHECK(count_rows(s, "agents") == agents_before);
  // The real create afterwards works and is stored.
  REQUIRE(secuctl({"agents", "create", "--org", org, "--name", "real"}, env).exit_code == 0);
  CHECK(count_rows(s, "agents") == agents_before + 1);
}

TEST_CASE("lists: --all follows next_cursor across pages", "[cli][paging]") {
  Secud s;
  auto org = make_org(s, "Acme");
  for (int i = 0; i < 7; ++i) {
    REQUIRE(admin(s, "POST", "/v1/agents",
                  json{{"org_id", org}, {"name", "a" + std::to_string(i)}}.dump())
                .status == 200);
  }
  const std::map<std::string, std::string> env = {{"SECU_ADDR", s.url()},
                                                  {"SECU_DATA_DIR", s.data_dir()}};
  auto one = secuctl({"-q", "agents", "list", "--org", org, "--limit", "3"}, env);
  REQUIRE(one.exit_code == 0);
  CHECK(std::count(one.out.begin(), one.out.end(), '\n') == 3);
  auto all = secuctl({"-q", "agents", "list", "--org", org, "--limit", "3", "--all"}, env);
  REQUIRE(all.exit_code == 0);
  CHECK(std::count(all.out.begin(), all.out.end(), '\n') == 7);
  auto js = secuctl({"-o", "json", "agents", "list", "--org", org, "--limit", "2", "--all"}, env);
  REQUIRE(js.exit_code == 0);
  auto j = json::parse(js.out);
  CHECK(j["agents"].size() == 7);
  CHECK_FALSE(j.contains("next_cursor"));
  CHECK(js.err.empty());  // no progress noise without a terminal
}

TEST_CASE("contexts: set, use, list, current, credentials never shown, 0600 enforced",
          "[cli][contexts]") {
  Secud s;
  TempDir tmp;
  const std::string cfg = tmp.path() + "/cfg";
  const std::map<std::string, std::string> env = {
      {"XDG_CONFIG_HOME", cfg}, {"SECU_ADDR", ""}, {"SECU_DATA_DIR", ""}};
  // An admin token file others can read is refused.
  const std::string token_file = tmp.path() + "/admin.token";
  std::ofstream(token_file) << s.admin_token() << "\n";
  ::chmod(token_file.c_str(), 0644);
  REQUIRE(secuctl({"config", "set-context", "local", "--addr", s.url(), "--admin-token-file",
                   token_file},
                  env)
              .exit_code == 0);
  CHECK(file_mode(cfg + "/secu/config.json") == 0600);
  auto refused = secuctl({"orgs", "list"}, env);
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("chmod 600") != std::string::npos);
  ::chmod(token_file.c_str(), 0600);
  CHECK(secuctl({"orgs", "list"}, env).exit_code == 0);  // the only context is current

  REQUIRE(
      secuctl({"config", "set-context", "other", "--addr", "http://127.0.0.1:1"}, env).exit_code ==
      0);
  CHECK(trim(secuctl({"config", "current-context"}, env).out) == "local");
  REQUIRE(secuctl({"config", "use-context", "other"}, env).exit_code == 0);
  CHECK(trim(secuctl({"config", "current-context"}, env).out) == "other");
  CHECK(secuctl({"health"}, env).exit_code == 6);  // unreachable on purpose
  // Flags beat env, env beats the stored context.
  CHECK(secuctl({"--context", "local", "health"}, env).exit_code == 0);
  auto with_env = env;
  with_env["SECU_ADDR"] = s.url();
  CHECK(secuctl({"health"}, with_env).exit_code == 0);
  with_env["SECU_CONTEXT"] = "local";
  CHECK(secuctl({"--addr", "http://127.0.0.1:1", "health"}, with_env).exit_code == 6);

  auto list = secuctl({"-o", "json", "config", "get-contexts"}, env);
  REQUIRE(list.exit_code == 0);
  auto contexts = json::parse(list.out)["contexts"];
  REQUIRE(contexts.size() == 2);
  CHECK(list.out.find(s.admin_token()) == std::string::npos);
  CHECK(secuctl({"config", "use-context", "nope"}, env).exit_code == 4);
  CHECK(secuctl({"config", "set-context", "bad", "--addr", "ftp://x"}, env).exit_code == 2);

  // A config file others can read is refused.
  ::chmod((cfg + "/secu/config.json").c_str(), 0644);
  auto insecure = secuctl({"config", "get-contexts"}, env);
  CHECK(insecure.exit_code == 2);
  CHECK(insecure.err.find("chmod 600") != std::string::npos);
}

TEST_CASE("colour only on request or a terminal, NO_COLOR wins over auto", "[cli][color]") {
  Secud s;
  auto org = make_org(s, "Acme");
  const std::map<std::string, std::string> env = {{"SECU_ADDR", s.url()},
                                                  {"SECU_DATA_DIR", s.data_dir()}};
  auto plain = secuctl({"agents", "list", "--org", org}, env);
  REQUIRE(plain.exit_code == 0);
  CHECK(plain.out.find('\x1b') == std::string::npos);
  auto forced = secuctl({"--color", "always", "agents", "list", "--org", org}, env);
  CHECK(forced.out.rfind("\x1b[1mID", 0) == 0);
  auto err = secuctl({"--color", "always", "agents", "get", "agt_missing"}, env);
  CHECK(err.exit_code == 4);
  CHECK(err.err.find("\x1b[31m") != std::string::npos);
  auto never = secuctl({"--color", "never", "agents", "list", "--org", org}, env);
  CHECK(never.out.find('\x1b') == std::string::npos);
  CHECK(secuctl({"--color", "sometimes", "health"}, env).exit_code == 2);
}

TEST_CASE("help topics: environment, exit-codes, formatting", "[cli][help]") {
  auto env = secuctl({"help", "environment"});
  REQUIRE(env.exit_code == 0);
  CHECK(env.out.find("SECU_ADDR") != std::string::npos);
  CHECK(env.out.find("NO_COLOR") != std::string::npos);
  auto codes = secuctl({"help", "exit-codes"});
  REQUIRE(codes.exit_code == 0);
  CHECK(codes.out.find("6  unreachable") != std::string::npos);
  auto fmt = secuctl({"help", "formatting"});
  REQUIRE(fmt.exit_code == 0);
  CHECK(fmt.out.find("--all") != std::string::npos);
  auto index = secuctl({"help"});
  REQUIRE(index.exit_code == 0);
  CHECK(index.out.find("Help topics") != std::string::npos);
  CHECK(secuctl({"help", "nope"}).exit_code == 2);
}
