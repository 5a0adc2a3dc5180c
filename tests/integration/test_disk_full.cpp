// Disk trouble: secud's data dir on a small tmpfs that the test fills up. Writes answer 503 in
// the error format, reads keep working, /readyz says not ready, nothing is acknowledged that was
// not stored, and secud recovers without a restart once the disk has room again.
// Needs root (mount); skipped with a message otherwise.
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

// A tmpfs of `size` mounted on a fresh temporary dir, unmounted when destroyed.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& size) {
    const std::string opts = "size=" + size + ",mode=0700";
    m_mounted = ::mount("tmpfs", m_dir.path().c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallTmpfs() {
    if (m_mounted) ::umount2(m_dir.path().c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  bool mounted() const { return m_mounted; }
  const std::string& path() const { return m_dir.path(); }

 private:
  TempDir m_dir;
  bool m_mounted = false;
};

// Writes zeros to `path` until the file system refuses; answers the bytes written.
size_t fill_up(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::vector<char> chunk(16 * 1024, 0);
  size_t total = 0;
  for (;;) {
    const size_t n = std::fwrite(chunk.data(), 1, chunk.size(), f);
    total += n;
    if (n < chunk.size() || std::fflush(f) != 0) break;
  }
  std::fclose(f);
  return total;
}

Response create_agent(const Secud& s, const std::string& org, const std::string& name) {
  return admin(s, "POST", "/v1/agents", json{{"org_id", org}, {"name", name}}.dump());
}

bool wait_ready(const Secud& s, int want_status, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (http(s.url(), "GET", "/readyz").status == want_status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST_CASE("disk full: writes 503, reads work, not ready, no false ack, recovery without restart",
          "[disk]") {
  if (::geteuid() != 0) {
    WARN("not root: cannot mount a tmpfs; disk-full test skipped");
    return;
  }
  SmallTmpfs fs("6m");
  REQUIRE(fs.mounted());
  // Destroyed before the tmpfs is unmounted.
  Secud s(SecudOptions{.args = {}, .env = {}, .data_dir = fs.path() + "/data"});
  const auto org = make_org(s, "Disk");
  const auto before = create_agent(s, org, "before-the-fill");
  REQUIRE(before.status == 200);
  const auto audits_before = row_count(s, "audit_log");

  // Full but for a little room, so some writes still fit and the disk runs out in the middle
  // of the load (the boundary is where a false acknowledgement would hide).
  const std::string filler = fs.path() + "/filler";
  const size_t filled = fill_up(filler);
  REQUIRE(::truncate(filler.c_str(), static_cast<off_t>(filled - 256 * 1024)) == 0);

  // Writes until the disk refuses several in a row (the WAL may still have room for some).
  std::vector<std::string> acked, refused;
  const std::string pad(180, 'x');  // names allow 200 characters
  int in_a_row = 0;
  for (int i = 0; i < 3000 && in_a_row < 5; ++i) {
    const std::string name = "full-" + std::to_string(i) + "-" + pad;
    auto r = create_agent(s, org, name);
    INFO(r.status << " " << r.body);
    REQUIRE((r.status == 200 || r.status == 503));
    if (r.status == 200) {
      acked.push_back(r.json().at("id"));
      in_a_row = 0;
    } else {
      CHECK(r.json()["error"]["code"].is_string());
      CHECK(r.json()["error"]["request_id"].is_string());
      refused.push_back(name);
      ++in_a_row;
    }
  }
  REQUIRE(in_a_row == 5);

  // Not ready; reads and the liveness probes keep working.
  CHECK(http(s.url(), "GET", "/readyz").status == 503);
  CHECK(http(s.url(), "GET", "/healthz").status == 200);
  CHECK(http(s.url(), "GET", "/livez").status == 200);
  CHECK(admin(s, "GET", "/v1/agents/" + before.json()["id"].get<std::string>()).status == 200);
  CHECK(admin(s, "GET", "/v1/agents?org_id=" + org).status == 200);
  for (const auto& id : acked)
    CHECK(admin(s, "GET", "/v1/agents/" + id).status == 200);
  // A second probe while still full stays not ready.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  CHECK(http(s.url(), "GET", "/readyz").status == 503);

  // Room again: ready without a restart and without any client write.
  REQUIRE(::unlink(filler.c_str()) == 0);
  CHECK(wait_ready(s, 200, std::chrono::seconds(5)));
  auto after = create_agent(s, org, "after-the-fill");
  INFO(after.body);
  CHECK(after.status == 200);

  // Every acknowledged write is there, no refused one is; the audit log has exactly one entry
  // per stored change, and the chain verifies. The same after a restart (durable).
  const auto check_stored = [&] {
    for (const auto& id : acked)
      CHECK(row_count(s, "agents", "id = '" + id + "'") == 1);
    CHECK(row_count(s, "agents", "name LIKE 'full-%'") == static_cast<int64_t>(acked.size()));
    CHECK(row_count(s, "audit_log") == audits_before + static_cast<int64_t>(acked.size()) + 1);
    auto v = admin(s, "GET", "/v1/audit/verify");
    INFO(v.body);
    CHECK(v.status == 200);
    CHECK(v.json().value("ok", false));
  };
  check_stored();
  s.stop();
  s.start();
  check_stored();
  std::printf("disk full: %zu writes acknowledged while full, %zu refused with 503\n", acked.size(),
              refused.size());
}
