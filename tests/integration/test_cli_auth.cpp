// secuctl's identity commands against a real secud, as a new user would run them: signup,
// login, whoami, users create, logout — then whoami exits 3. One XDG_CONFIG_HOME throughout.
#include <catch2/catch.hpp>

#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {
struct Shell {
  TempDir home;
  std::map<std::string, std::string> env;
  explicit Shell(const Secud& s) {
    env = {{"HOME", home.path()},
           {"XDG_CONFIG_HOME", home.path() + "/config"},
           // As quickstart.sh sets it: the local admin.token is available to this shell.
           {"SECU_DATA_DIR", s.data_dir()}};
  }
  RunResult run(const std::vector<std::string>& args, const std::string& in = {}) const {
    return secuctl(args, env, in);
  }
  json config() const { return json::parse(slurp(home.path() + "/config/secu/config.json")); }
  std::string config_path() const { return home.path() + "/config/secu/config.json"; }
};
}  // namespace

TEST_CASE("a new user signs up, logs in, adds a colleague and logs out with secuctl",
          "[cli][auth]") {
  Secud s;
  Shell sh(s);
  const std::string pw = "new-user-password-1\n";

  auto up = sh.run({"--addr", s.url(), "signup", "--email", "nina@newco.test", "--org-name",
                    "NewCo", "--password-stdin"},
                   pw);
  INFO(up.out << up.err);
  REQUIRE(up.exit_code == 0);
  CHECK(up.out.find("nina@newco.test") != std::string::npos);
  CHECK(up.out.find("NewCo") != std::string::npos);
  CHECK(up.err.find("secuctl auth verify callback --token") != std::string::npos);
  CHECK(file_mode(sh.config_path()) == 0600);

  auto in =
      sh.run({"--addr", s.url(), "login", "--email", "nina@newco.test", "--password-stdin"}, pw);
  INFO(in.out << in.err);
  REQUIRE(in.exit_code == 0);
  const std::string token = sh.config()["contexts"]["default"]["token"];
  CHECK(token.rfind("eyJ", 0) == 0);
  CHECK(in.out.find(token) == std::string::npos);  // the table does not print the token
  CHECK(file_mode(sh.config_path()) == 0600);

  // The login stored the address too: no --addr from here on.
  auto who = sh.run({"whoami"});
  INFO(who.out << who.err);
  REQUIRE(who.exit_code == 0);
  CHECK(who.out.find("nina@newco.test") != std::string::npos);
  CHECK(who.out.find("owner") != std::string::npos);
  auto who_json = sh.run({"-o", "json", "whoami"});
  REQUIRE(who_json.exit_code == 0);
  CHECK(json::parse(who_json.out)["user"]["email"] == "nina@newco.test");

  auto add = sh.run(
      {"users", "create", "--email", "omar@newco.test", "--role", "admin", "--password-stdin"},
      "colleague-password-2\n");
  INFO(add.out << add.err);
  REQUIRE(add.exit_code == 0);
  CHECK(add.out.find("omar@newco.test") != std::string::npos);
  auto ids = sh.run({"-q", "users", "list"});
  REQUIRE(ids.exit_code == 0);
  CHECK(std::count(ids.out.begin(), ids.out.end(), '\n') == 2);
  CHECK(ids.out.find("usr_") == 0);
  auto table = sh.run({"users", "list"});
  CHECK(table.out.find("EMAIL") != std::string::npos);
  CHECK(table.out.find("omar@newco.test") != std::string::npos);
  CHECK(sh.run({"orgs", "list"}).out.find("NewCo") != std::string::npos);
  auto st = sh.run({"-o", "json", "state"});
  REQUIRE(st.exit_code == 0);
  CHECK(json::parse(st.out)["users"].size() == 2);
  CHECK(sh.run({"state"}).out.find("users") != std::string::npos);
  // The colleague can log in (in another shell).
  Shell other(s);
  CHECK(other
            .run({"--addr", s.url(), "login", "--email", "omar@newco.test", "--password-stdin"},
                 "colleague-password-2\n")
            .exit_code == 0);

  auto out = sh.run({"logout"});
  INFO(out.out << out.err);
  REQUIRE(out.exit_code == 0);
  CHECK_FALSE(sh.config()["contexts"]["default"].contains("token"));
  CHECK(sh.config()["contexts"]["default"]["logged_out"] == true);
  // The session is revoked on the server, not only forgotten here.
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, bearer(token)).status == 401);

  // Logged out: whoami exits 3, and the local admin.token (SECU_DATA_DIR) is not used.
  auto after = sh.run({"whoami"});
  INFO(after.out << after.err);
  CHECK(after.exit_code == 3);
  CHECK(after.err.find("unauthenticated") != std::string::npos);
  CHECK(sh.run({"users", "list"}).exit_code == 3);
  // Logging in again works as before.
  REQUIRE(sh.run({"login", "--email", "nina@newco.test", "--password-stdin"}, pw).exit_code == 0);
  CHECK(sh.run({"whoami"}).exit_code == 0);
}

TEST_CASE("secuctl login errors: wrong password exits 3, no password source exits 2",
          "[cli][auth]") {
  Secud s;
  signup_account(s, "pia@acme.test");
  Shell sh(s);
  auto wrong = sh.run({"--addr", s.url(), "login", "--email", "pia@acme.test", "--password-stdin"},
                      "not the password\n");
  CHECK(wrong.exit_code == 3);
  CHECK(wrong.err.find("invalid_credentials") != std::string::npos);
  // Not a terminal and no --password-stdin: nothing to prompt on.
  auto none = sh.run({"--addr", s.url(), "login", "--email", "pia@acme.test"});
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("--password-stdin") != std::string::npos);
  CHECK(sh.run({"login"}).exit_code == 2);  // --email is required
  // Taken email on signup: exit 5 (conflict).
  CHECK(sh.run({"--addr", s.url(), "signup", "--email", "pia@acme.test", "--password-stdin"},
               "another-password-9\n")
            .exit_code == 5);
}

TEST_CASE("secuctl magic link and verification without SMTP", "[cli][auth]") {
  Secud s;
  signup_account(s, "quinn@acme.test");
  Shell sh(s);
  auto start =
      sh.run({"--addr", s.url(), "-q", "auth", "magic", "start", "--email", "quinn@acme.test"});
  REQUIRE(start.exit_code == 0);
  std::string token = start.out;
  while (!token.empty() && token.back() == '\n')
    token.pop_back();
  REQUIRE_FALSE(token.empty());
  auto cb = sh.run({"--addr", s.url(), "auth", "magic", "callback", "--token", token});
  INFO(cb.out << cb.err);
  REQUIRE(cb.exit_code == 0);
  CHECK(cb.out.find("quinn@acme.test") != std::string::npos);
  CHECK(sh.run({"whoami"}).exit_code == 0);  // the session was stored
  // Used: a second redemption fails with 3.
  CHECK(sh.run({"--addr", s.url(), "auth", "magic", "callback", "--token", token}).exit_code == 3);

  auto vs = sh.run({"-q", "auth", "verify", "start"});
  REQUIRE(vs.exit_code == 0);
  std::string vt = vs.out.substr(0, vs.out.find('\n'));
  auto vc = sh.run({"-o", "json", "auth", "verify", "callback", "--token", vt});
  REQUIRE(vc.exit_code == 0);
  CHECK(json::parse(vc.out)["user"]["email_verified"] == true);
}

TEST_CASE("secuctl callbacks follow a console redirect and keep the JWT from its fragment",
          "[cli][auth]") {
  Secud s(with_args({"--console-url", "https://console.test/"}));
  signup_account(s, "rosa@acme.test");
  Shell sh(s);
  auto start =
      sh.run({"--addr", s.url(), "-q", "auth", "magic", "start", "--email", "rosa@acme.test"});
  REQUIRE(start.exit_code == 0);
  const std::string token = start.out.substr(0, start.out.find('\n'));
  auto cb = sh.run({"--addr", s.url(), "auth", "magic", "callback", "--token", token});
  INFO(cb.out << cb.err);
  REQUIRE(cb.exit_code == 0);
  CHECK(cb.out.find("rosa@acme.test") != std::string::npos);
}

TEST_CASE("secuctl orgs create needs the platform admin", "[cli][orgs]") {
  Secud s;
  Shell sh(s);
  // The implicit admin.token of SECU_DATA_DIR (nobody logged in yet in this shell).
  auto made = sh.run({"--addr", s.url(), "-q", "orgs", "create", "Initech"});
  REQUIRE(made.exit_code == 0);
  CHECK(made.out.rfind("org_", 0) == 0);
  signup_account(s, "sam@initech.test");
  REQUIRE(sh.run({"--addr", s.url(), "login", "--email", "sam@initech.test", "--password-stdin"},
                 std::string(kTestPassword) + "\n")
              .exit_code == 0);
  CHECK(sh.run({"orgs", "create", "Mine"}).exit_code == 3);
}
