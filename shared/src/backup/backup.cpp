#include "secu/backup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "secu/audit/log.hpp"
#include "secu/log.hpp"
#include "secu/store/audit_log.hpp"

namespace secu::backup {

namespace {

void remove_copy(const std::string& dest) {
  // SQLite may leave the copy's -wal and -shm beside it when its connection failed to close
  // cleanly; none of them may outlive a failed backup.
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    ::unlink((dest + suffix).c_str());
}

}  // namespace

Result<Snapshot> snapshot(store::Store& st, const std::string& dest, audit::Entry audit) {
  // Created here with O_EXCL and 0600 before SQLite opens it: never someone else's file, never
  // readable by others, whatever the umask.
  const int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error::make(ErrorKind::kUnavailable, "backup_failed",
                       "cannot create the backup file: " + std::string(std::strerror(errno)));
  }
  ::close(fd);

  Snapshot out;
  out.schema_version = st.schema_version();
  // One read transaction: the audit count and the copied pages are the same snapshot.
  auto copied = st.read([&](store::Db& db) -> Status {
    SECU_TRY(out.audit_entries, store::count_audit_rows(db));
    return db.backup_to(dest);
  });
  if (!copied.ok()) {
    remove_copy(dest);
    return copied.take_error();
  }
  struct stat sb {};
  if (::stat(dest.c_str(), &sb) != 0) {
    remove_copy(dest);
    return Error::unavailable("the backup file vanished");
  }
  out.bytes = static_cast<int64_t>(sb.st_size);

  audit.details["bytes"] = out.bytes;
  audit.details["audit_entries"] = out.audit_entries;
  audit.details["schema_version"] = out.schema_version;
  auto logged = st.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(auto appended, audit::append(tx, audit));
    (void)appended;
    return {};
  });
  if (!logged.ok()) {
    remove_copy(dest);
    return logged.take_error();
  }
  return out;
}

Result<FileCheck> verify_file(const std::string& file, const crypto::SigningKey& signing_key) {
  if (!std::filesystem::is_regular_file(file)) return Error::invalid(file + " is not a file");
  std::string tmpl = (std::filesystem::temp_directory_path() / "secu-verify-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) {
    return Error::unavailable("cannot make a temporary dir: " + std::string(std::strerror(errno)));
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{tmpl};
  const std::string copy = tmpl + "/secu.db";
  std::error_code ec;
  std::filesystem::copy_file(file, copy, ec);
  if (ec) return Error::unavailable("cannot copy " + file + ": " + ec.message());

  FileCheck out;
  {
    // The schema version as made, read before Store::open migrates the copy.
    auto db = store::Db::open(copy, {.create = false});
    auto v = db.ok() ? (*db)->user_version() : Result<int>(db.error());
    if (!v.ok()) return Error::invalid(file + " is not an SQLite database");
    out.schema_version = *v;
  }
  auto st = store::Store::open({.path = copy, .readers = 1});
  if (!st.ok()) return Error::invalid(file + " does not open as a Secu database");
  // The origin of the checkpoints is stored in the database; the key is the one given.
  SECU_TRY(auto signer, audit::make_signer(**st, signing_key));
  SECU_TRY(out.audit, audit::verify_log(**st, signer.note_key()));
  (*st)->close();
  return out;
}

void remove_stale(const std::string& data_dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(data_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(kTempPrefix) &&
        (name.ends_with(kTempSuffix) ||
         name.find(std::string(kTempSuffix) + "-") != std::string::npos)) {
      std::filesystem::remove(e.path(), ec);
      log::info("removed a stale backup file", {{"path", e.path().string()}});
    }
  }
}

}  // namespace secu::backup
