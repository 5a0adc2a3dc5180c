// POST /v1/admin/backup (the platform admin token only): a consistent snapshot of the database,
// taken while secud keeps serving, streamed back as application/octet-stream.
//
// The snapshot is written to a temporary file in the data dir (same file system, 0600), opened,
// and unlinked before the first byte is sent: the open descriptor carries the stream, so
// nothing is left behind whether the client reads it all, goes away, or secud is killed
// mid-stream. Headers say what the snapshot holds (X-Secu-Audit-Entries,
// X-Secu-Schema-Version) and Content-Length lets the client tell a whole copy from a cut one.
#include <httplib.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "secu/backup.hpp"
#include "secu/crypto.hpp"
#include "secu/json_input.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"

namespace secu::daemon {

namespace {

void backup_db(Ctx& c) {
  // No fields yet: an empty body or {} (anything else is a 400, like every endpoint).
  if (!c.body().empty()) {
    const auto body = c.json_body();
    json::Reader r(body);
    Ctx::unwrap(r.finish());
  }
  const std::string dir = c.app().config()->data_dir;
  const std::string tmp =
      dir + "/" + backup::kTempPrefix + crypto::random_token(9) + backup::kTempSuffix;
  const auto snap = Ctx::unwrap(backup::snapshot(
      c.app().store(), tmp, c.audit_entry("admin.backup", "", "", nlohmann::json::object())));

  auto file = std::make_shared<std::ifstream>(tmp, std::ios::binary);
  ::unlink(tmp.c_str());
  if (!*file) Ctx::fail(Error::unavailable("the backup file could not be read back"));

  auto& res = c.raw_response();
  res.status = 200;
  res.set_header("Content-Disposition", "attachment; filename=\"secu-backup.db\"");
  res.set_header("X-Secu-Audit-Entries", std::to_string(snap.audit_entries));
  res.set_header("X-Secu-Schema-Version", std::to_string(snap.schema_version));
  res.set_header("Cache-Control", "no-store");
  res.set_content_provider(static_cast<size_t>(snap.bytes), "application/octet-stream",
                           [file](size_t offset, size_t length, httplib::DataSink& sink) {
                             char buf[64 * 1024];
                             file->seekg(static_cast<std::streamoff>(offset));
                             file->read(buf,
                                        static_cast<std::streamsize>(std::min(length, sizeof buf)));
                             const auto n = file->gcount();
                             // A short read of a file whose size is known means it changed: cut the
                             // stream (the client sees fewer bytes than Content-Length and keeps
                             // nothing).
                             if (n <= 0) return false;
                             return sink.write(buf, static_cast<size_t>(n));
                           });
}

}  // namespace

void register_admin_backup_routes(RouteTable& t) {
  t.add("POST", "/v1/admin/backup", Access::kPlatformAdmin,
        "Consistent database snapshot, streamed (admin token only)", backup_db);
}

}  // namespace secu::daemon
