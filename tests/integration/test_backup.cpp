// secuctl admin backup (POST /v1/admin/backup) against the real secud: a snapshot taken while a
// writer keeps writing restores, as README "Backup and restore" says (the snapshot as secu.db in
// a fresh data dir with master.key and signing.key), into a second secud whose audit log
// verifies and which still knows the agents, keys and admin token of the first.
#include <sys/wait.h>
#include <atomic>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"
#include "support/ledger_helpers.hpp"

using namespace secu::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> admin_env(const Secud& s, const std::string& token) {
  return {{"SECU_ADDR", s.url()}, {"SECU_ADMIN_TOKEN", token}};
}

int64_t audit_entries(const Secud& s, const std::string& token) {
  auto r = http(s.url(), "GET", "/v1/audit/verify", {}, {{"X-Secu-Admin-Token", token}});
  REQUIRE(r.status == 200);
  REQUIRE(r.json().value("ok", false));
  return r.json().value("entries", int64_t{0});
}

// Files in `dir` whose name contains `part`.
int files_named(const std::string& dir, const std::string& part) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    n += e.path().filename().string().find(part) != std::string::npos;
  return n;
}

// Runs secud with `args`; answers its exit code and stdout+stderr.
std::pair<int, std::string> run_secud(const std::vector<std::string>& args) {
  TempDir tmp;
  std::string cmd = SECUD_PATH;
  for (const auto& a : args)
    cmd += " '" + a + "'";
  cmd += " >" + tmp.path() + "/out 2>&1";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(tmp.path() + "/out")};
}

}  // namespace

TEST_CASE("backup: secud verify-backup refuses what is not a sound backup", "[backup]") {
  Secud s;
  make_org(s, "acme");
  TempDir out_dir;
  const std::string out = out_dir.path() + "/b.db";
  REQUIRE(secuctl({"admin", "backup", "--out", out}, admin_env(s, s.admin_token())).exit_code == 0);
  REQUIRE(run_secud({"verify-backup", out, "--data-dir", s.data_dir()}).first == 0);

  SECTION("not a database") {
    std::ofstream(out_dir.path() + "/junk.db") << "not a database at all, just some text";
    auto r = run_secud({"verify-backup", out_dir.path() + "/junk.db", "--data-dir", s.data_dir()});
    CHECK(r.first == 1);
    CHECK(r.second.find("is not an SQLite database") != std::string::npos);
  }
  SECTION("no key files where --data-dir says") {
    auto r = run_secud({"verify-backup", out, "--data-dir", out_dir.path()});
    CHECK(r.first != 0);
    CHECK(r.second.find("signing.key does not exist") != std::string::npos);
  }
  SECTION("an audit entry changed inside the backup") {
    // Rewrite one detail of the first entry in place (same length, so the file stays sound).
    auto bytes = slurp(out);
    const auto at = bytes.find("\"acme\"");
    REQUIRE(at != std::string::npos);
    bytes.replace(at, 6, "\"acne\"");
    std::ofstream(out, std::ios::binary | std::ios::trunc) << bytes;
    auto r = run_secud({"verify-backup", out, "--data-dir", s.data_dir()});
    INFO(r.second);
    CHECK(r.first == 1);
    CHECK(r.second.rfind("BROKEN: ", 0) == 0);
  }
}

TEST_CASE("backup: a snapshot taken under writes restores into a fresh data dir", "[backup]") {
  Secud s;
  const std::string token = s.admin_token();
  Upstream up;
  auto g = provision_gateway(
      s, gateway_options(up.base_url(), json{{"allowed_actions", json::array()}}).budget(100.0));
  std::vector<std::string> before;
  for (int i = 0; i < 5; ++i)
    before.push_back(make_agent(s, g.org, "pre-" + std::to_string(i)));
  for (int i = 0; i < 3; ++i)
    REQUIRE(gw(s, g.key, "GET", "/echo/before").status == 200);
  const int64_t entries_before = audit_entries(s, token);

  // A writer keeps creating agents and passing gateway decisions during the backup.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0}, failed{0};
  std::thread writer([&] {
    int i = 0;
    while (!stop) {
      auto r = admin(s, "POST", "/v1/agents",
                     json{{"org_id", g.org}, {"name", "during-" + std::to_string(i++)}}.dump());
      auto d = gw(s, g.key, "GET", "/echo/during");
      (r.status == 200 && d.status == 200 ? written : failed)++;
    }
  });
  while (written < 3 && failed == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));

  TempDir out_dir;
  const std::string out = out_dir.path() + "/secu-backup.db";
  auto b = secuctl({"-o", "json", "admin", "backup", "--out", out}, admin_env(s, token));
  const int during_backup = written.load();
  while (written < during_backup + 3 && failed == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  CHECK(failed == 0);
  const auto info = json::parse(b.out);
  const int64_t snap_entries = info.at("audit_entries").get<int64_t>();
  CHECK(snap_entries >= entries_before);
  CHECK(info.at("bytes").get<int64_t>() == static_cast<int64_t>(fs::file_size(out)));
  CHECK(file_mode(out) == 0600);
  CHECK(slurp(out).compare(0, 16, std::string("SQLite format 3\0", 16)) == 0);
  // Nothing left behind: no temporary snapshot in the data dir, no .part beside FILE.
  CHECK(files_named(s.data_dir(), "backup-") == 0);
  CHECK(files_named(out_dir.path(), ".part") == 0);
  // The backup itself is audited, after the snapshot it describes.
  CHECK(audit_entries(s, token) > snap_entries);

  // Checked offline with the key files it is to be restored with; FILE is only read.
  const auto snapshot_bytes = slurp(out);
  auto check = run_secud({"verify-backup", out, "--data-dir", s.data_dir()});
  INFO(check.second);
  CHECK(check.first == 0);
  CHECK(check.second.find("ok: " + out + ": schema ") == 0);
  CHECK(check.second.find(" " + std::to_string(snap_entries) + " audit entries intact") !=
        std::string::npos);
  CHECK(slurp(out) == snapshot_bytes);

  // Restore: a fresh data dir with the snapshot as secu.db and the two key files.
  TempDir fresh;
  const std::string dir = fresh.path() + "/data";
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms::owner_all);
  fs::copy_file(out, dir + "/secu.db");
  for (const char* key : {"master.key", "signing.key"})
    fs::copy_file(s.data_dir() + "/" + key, dir + "/" + key);
  s.stop();  // the original is gone; only the backup remains

  SecudOptions ro;
  ro.data_dir = dir;
  Secud restored(ro);
  // The admin token is the original one: its hash is in the database.
  auto verify = secuctl({"audit", "verify"}, admin_env(restored, token));
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.rfind("ok: ", 0) == 0);
  const int64_t restored_entries = audit_entries(restored, token);
  CHECK(restored_entries >= snap_entries);
  CHECK(restored_entries >= entries_before);
  for (const auto& id : before) {
    INFO(id);
    CHECK(http(restored.url(), "GET", "/v1/agents/" + id, {}, {{"X-Secu-Admin-Token", token}})
              .status == 200);
  }
  // The agent key still verifies (its keyed hash needs master.key) and the vendor's sealed api
  // key still opens: a call through the restored gateway reaches the vendor.
  const int hits = up.hits();
  CHECK(gw(restored, g.key, "GET", "/echo/after").status == 200);
  CHECK(up.hits() == hits + 1);
  std::printf(
      "backup: %lld audit entries before, %lld in the snapshot, %lld restored; "
      "%d writes during the run\n",
      static_cast<long long>(entries_before), static_cast<long long>(snap_entries),
      static_cast<long long>(restored_entries), written.load());
}

TEST_CASE("backup: the platform admin token only", "[backup]") {
  Secud s;
  const std::string org = make_org(s, "acme");
  const std::string jwt = make_user_token(s, org, "admin", "admin@acme.test");
  const int64_t entries = audit_entries(s, s.admin_token());
  auto none = http(s.url(), "POST", "/v1/admin/backup");
  CHECK(none.status == 401);
  auto org_admin = http(s.url(), "POST", "/v1/admin/backup", "{}", bearer(jwt));
  CHECK(org_admin.status == 403);
  CHECK(org_admin.json()["error"]["code"].is_string());

  TempDir out_dir;
  const std::string out = out_dir.path() + "/b.db";
  auto r =
      secuctl({"admin", "backup", "--out", out}, {{"SECU_ADDR", s.url()}, {"SECU_TOKEN", jwt}});
  CHECK(r.exit_code == 3);
  CHECK_FALSE(fs::exists(out));
  CHECK(files_named(out_dir.path(), ".part") == 0);
  // A body with a field is a 400 and takes no backup.
  auto bad = admin(s, "POST", "/v1/admin/backup", R"({"compress":true})");
  CHECK(bad.status == 400);
  CHECK(bad.json()["error"]["field"] == "compress");
  CHECK(audit_entries(s, s.admin_token()) == entries);  // nothing audited: no backup was taken
  CHECK(files_named(s.data_dir(), "backup-") == 0);
}

TEST_CASE("backup: an existing --out is kept unless --force", "[backup]") {
  Secud s;
  const auto env = admin_env(s, s.admin_token());
  TempDir out_dir;
  const std::string out = out_dir.path() + "/b.db";
  std::ofstream(out) << "keep me";
  const int64_t entries = audit_entries(s, s.admin_token());
  auto r = secuctl({"admin", "backup", "--out", out}, env);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--force") != std::string::npos);
  CHECK(slurp(out) == "keep me");
  CHECK(files_named(out_dir.path(), ".part") == 0);
  CHECK(audit_entries(s, s.admin_token()) == entries);  // not even asked for

  auto forced = secuctl({"admin", "backup", "--out", out, "--force"}, env);
  INFO(forced.err);
  CHECK(forced.exit_code == 0);
  CHECK(forced.out.find("wrote " + out) != std::string::npos);
  CHECK(slurp(out).compare(0, 16, std::string("SQLite format 3\0", 16)) == 0);
  CHECK(file_mode(out) == 0600);

  // A directory that does not exist: a clear error, nothing taken.
  auto missing = secuctl({"admin", "backup", "--out", out_dir.path() + "/no/such/dir/b.db"}, env);
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("cannot create") != std::string::npos);
}
