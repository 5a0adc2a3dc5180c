// Tampering with the database of a stopped secud: edited, deleted, reordered and truncated
// rows. The server's verify names the first bad seq and `secuctl audit verify` exits 1; an
// export taken before still verifies offline against a checkpoint saved later, while an
// export of the rewritten log fails.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "secu/crypto.hpp"
#include "secu/db.hpp"
#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu;
using namespace secu::test;
using json = nlohmann::json;

namespace {

void make_agents(const Secud& s, const std::string& org, int n, const std::string& prefix) {
  for (int i = 0; i < n; ++i) {
    auto r = admin(s, "POST", "/v1/agents",
                   json{{"org_id", org}, {"name", prefix + std::to_string(i)}}.dump());
    REQUIRE(r.status == 200);
  }
}

// Runs SQL on the database file of a stopped secud (its sqlite3 C API, through libsecu's Db).
void tamper(const Secud& s, const std::string& sql) {
  REQUIRE_FALSE(s.running());
  auto db = store::Db::open(s.data_dir() + "/secu.db", {.create = false});
  REQUIRE(db.ok());
  REQUIRE((*db)->exec(sql).ok());
}

}  // namespace

TEST_CASE("audit tamper: verify names the first bad seq, old exports hold, rewritten ones fail",
          "[audit][integration]") {
  REQUIRE(crypto::init().ok());
  Secud s;
  const auto acme = signup_account(s, "ops@acme.test", "acme");
  const auto other = signup_account(s, "ops@other.test", "other");
  make_agents(s, acme.org_id, 4, "early");
  make_agents(s, other.org_id, 2, "x");

  TempDir home;
  const std::map<std::string, std::string> env = {{"XDG_CONFIG_HOME", home.path() + "/cfg"}};
  auto ctl = [&](std::vector<std::string> args) {
    std::vector<std::string> all = {"--addr", s.url(), "--admin-token", s.admin_token()};
    all.insert(all.end(), args.begin(), args.end());
    return secuctl(all, env);
  };
  auto pk = ctl({"audit", "pubkey"});
  REQUIRE(pk.exit_code == 0);
  const std::string key = pk.out.substr(0, pk.out.find('\n'));

  // An org's export, verified (which saves its checkpoint), then a later checkpoint saved.
  const std::string early = home.path() + "/early.jsonl";
  REQUIRE(ctl({"audit", "export", "-O", early, "--org-id", acme.org_id}).exit_code == 0);
  auto first = ctl({"audit", "verify", "--file", early, "--pubkey", key});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  make_agents(s, acme.org_id, 3, "late");
  make_agents(s, other.org_id, 3, "y");
  auto later = ctl({"audit", "checkpoint", "--pubkey", key});
  INFO(later.err);
  REQUIRE(later.exit_code == 0);
  const int64_t entries = admin(s, "GET", "/v1/audit/verify").json()["entries"];
  REQUIRE(entries >= 14);
  REQUIRE(ctl({"audit", "verify"}).exit_code == 0);

  struct Case {
    std::string name;
    std::string sql;
    int64_t first_bad;
  };
  const int64_t last = entries;
  const Case cases[] = {
      {"edit", "UPDATE audit_log SET details = '{\"name\":\"evil\"}' WHERE seq = 6", 6},
      {"delete", "DELETE FROM audit_log WHERE seq = 8", 8},
      {"reorder",
       "UPDATE audit_log SET seq = -1 WHERE seq = 10; UPDATE audit_log SET seq = 10 WHERE seq = "
       "11; UPDATE audit_log SET seq = 11 WHERE seq = -1;",
       10},
      {"truncate", "DELETE FROM audit_log WHERE seq > " + std::to_string(last - 3), last - 2},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      REQUIRE(s.stop() == 0);
      tamper(s, c.sql);
      s.start();
      auto v = admin(s, "GET", "/v1/audit/verify");
      REQUIRE(v.status == 200);
      INFO(v.body);
      CHECK(v.json()["ok"] == false);
      CHECK(v.json()["first_bad_seq"] == c.first_bad);
      auto cli = ctl({"audit", "verify"});
      CHECK(cli.exit_code == 1);
      CHECK(cli.out.find("first bad seq " + std::to_string(c.first_bad)) != std::string::npos);

      // The export taken before still verifies offline (no server: --offline, and a dead
      // address) against the later checkpoint saved since.
      auto old_ok = secuctl({"--addr", "http://127.0.0.1:1", "audit", "verify", "--offline",
                             "--file", early, "--pubkey", key},
                            env);
      INFO(old_ok.out << old_ok.err);
      CHECK(old_ok.exit_code == 0);
      CHECK(old_ok.out.find("(known)") != std::string::npos);

      // An export of the rewritten log fails: the edited entries do not match their proofs,
      // or the log no longer extends the saved checkpoint.
      const std::string now = home.path() + "/now-" + c.name + ".jsonl";
      auto e = ctl({"audit", "export", "-O", now});
      if (e.exit_code == 0) {
        auto bad = ctl({"audit", "verify", "--file", now, "--pubkey", key});
        INFO(bad.out << bad.err);
        CHECK(bad.exit_code == 1);
        CHECK(bad.out.find("TAMPERED") == 0);
      } else {
        // secud refused to serve an export of a tree it cannot prove: also a failure.
        CHECK(e.err.find("audit") != std::string::npos);
      }
    }
  }
}

TEST_CASE("audit tamper: a log rolled back to an earlier copy fails against a saved checkpoint",
          "[audit][integration]") {
  REQUIRE(crypto::init().ok());
  Secud s;
  const auto acme = signup_account(s, "ops@acme.test", "acme");
  make_agents(s, acme.org_id, 3, "a");
  TempDir home;
  const std::map<std::string, std::string> env = {{"XDG_CONFIG_HOME", home.path() + "/cfg"}};
  auto ctl = [&](std::vector<std::string> args) {
    std::vector<std::string> all = {"--addr", s.url(), "--admin-token", s.admin_token()};
    all.insert(all.end(), args.begin(), args.end());
    return secuctl(all, env);
  };
  const std::string key = ctl({"audit", "pubkey"}).out;
  const std::string pubkey = key.substr(0, key.find('\n'));

  // A copy of the database now, then more entries and a checkpoint saved by the auditor.
  REQUIRE(s.stop() == 0);
  tamper(s, "VACUUM INTO '" + home.path() + "/backup.db'");
  s.start();
  make_agents(s, acme.org_id, 4, "b");
  REQUIRE(ctl({"audit", "checkpoint", "--pubkey", pubkey}).exit_code == 0);

  // Roll back to the copy and let the log grow again past the saved size.
  REQUIRE(s.stop() == 0);
  std::filesystem::copy_file(home.path() + "/backup.db", s.data_dir() + "/secu.db",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(s.data_dir() + "/secu.db-wal");
  std::filesystem::remove(s.data_dir() + "/secu.db-shm");
  s.start();
  // Smaller than the saved checkpoint: the export cannot even carry a proof from it.
  auto small = ctl({"audit", "export", "-O", home.path() + "/small.jsonl"});
  CHECK(small.exit_code == 1);
  CHECK(small.out.find("truncated or rolled back") != std::string::npos);
  CHECK(ctl({"audit", "checkpoint"}).exit_code == 1);
  make_agents(s, acme.org_id, 8, "c");
  // The server's own chain is intact (the rollback is whole)...
  CHECK(admin(s, "GET", "/v1/audit/verify").json()["ok"] == true);
  // ...but its checkpoint does not extend the one saved before, and exports fail with it.
  CHECK(ctl({"audit", "checkpoint"}).exit_code == 1);
  const std::string file = home.path() + "/after.jsonl";
  REQUIRE(ctl({"audit", "export", "-O", file, "--org-id", acme.org_id}).exit_code == 0);
  auto v = ctl({"audit", "verify", "--file", file, "--pubkey", pubkey});
  INFO(v.out << v.err);
  CHECK(v.exit_code == 1);
  CHECK(v.out.find("not consistent") != std::string::npos);
}
