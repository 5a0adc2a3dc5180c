// secuctl admin backup --out FILE [--force]: a consistent snapshot of secud's database
// (POST /v1/admin/backup, the platform admin token only), written to FILE atomically with mode
// 0600. README "Backup and restore" says what else a restore needs (the key files) and how.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strings.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "output.hpp"
#include "secu/crypto.hpp"
#include "secu/files.hpp"

namespace secu::cli {

namespace {

struct BackupOptions {
  std::string out;
  bool force = false;
};

Error write_error(const std::string& what, const std::string& path) {
  return Error::invalid(what + " " + path + ": " + std::strerror(errno), "out");
}

std::string header_of(const Reply& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return {};
}

int64_t int_header(const Reply& r, const std::string& name) {
  const std::string v = header_of(r, name);
  int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

// Syncs the directory holding `path`, so a rename in it survives a crash.
void sync_dir_of(const std::string& path) {
  const auto dir = std::filesystem::path(path).parent_path();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

int backup_run(const BackupOptions& o, Deps& d) {
  // Checked before asking secud for anything: an existing file is kept, and no backup is
  // taken (and audited) only to be thrown away. The final link() below checks again, race-free.
  if (!o.force && files::exists(o.out)) {
    return report_error(d, Error::invalid(o.out + " exists; pass --force to replace it", "out"));
  }
  auto client = d.client();
  if (!client.ok()) return report_error(d, client.error());
  // A temporary file beside FILE (same file system, so the rename is atomic), 0600 from the
  // start whatever the umask: the snapshot holds hashes and sealed secrets.
  const std::string part = o.out + ".part-" + crypto::random_token(6);
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return report_error(d, write_error("cannot create", part));
  bool write_failed = false;
  uint64_t bytes = 0;
  std::string magic;
  auto r = (*client)->stream(
      "POST", "/v1/admin/backup", [](const Reply&) { return true; },
      [&](const char* data, size_t len) {
        if (magic.size() < 16) magic.append(data, std::min(len, 16 - magic.size()));
        size_t done = 0;
        while (done < len) {
          const ssize_t n = ::write(fd, data + done, len - done);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) {
            write_failed = true;
            return false;
          }
          done += static_cast<size_t>(n);
        }
        bytes += len;
        return true;
      });
  const int saved_errno = errno;
  const bool synced = !write_failed && ::fsync(fd) == 0;
  ::close(fd);
  auto fail = [&](const Error& e, int status = 0, const std::string& rid = {}) {
    ::unlink(part.c_str());
    return report_error(d, e, status, rid);
  };
  if (write_failed || (r.ok() && r->ok() && !synced)) {
    errno = saved_errno;
    return fail(write_error("cannot write", part));
  }
  if (!r.ok()) return fail(r.error());
  if (!r->ok()) {
    ::unlink(part.c_str());
    return report_reply_error(d, *r);
  }
  // Content-Length is how a whole snapshot is told from a cut one.
  const std::string length = header_of(*r, "Content-Length");
  if (length.empty() || std::to_string(bytes) != length) {
    return fail(Error::make(ErrorKind::kUnavailable, "transfer_cut_off",
                            "the backup was cut off after " + std::to_string(bytes) + " of " +
                                (length.empty() ? "?" : length) + " bytes; nothing was written"));
  }
  if (magic != std::string("SQLite format 3\0", 16)) {
    return fail(Error::internal("secud's answer is not an SQLite database; nothing was written"));
  }
  if (o.force) {
    if (::rename(part.c_str(), o.out.c_str()) != 0) return fail(write_error("cannot write", o.out));
  } else {
    // link() fails with EEXIST if FILE appeared meanwhile: never replaced without --force.
    if (::link(part.c_str(), o.out.c_str()) != 0) {
      const bool exists = errno == EEXIST;
      if (exists) {
        return fail(Error::invalid(o.out + " exists; pass --force to replace it", "out"));
      }
      return fail(write_error("cannot write", o.out));
    }
    ::unlink(part.c_str());
  }
  sync_dir_of(o.out);

  nlohmann::json j = {{"file", o.out},
                      {"bytes", bytes},
                      {"audit_entries", int_header(*r, "X-Secu-Audit-Entries")},
                      {"schema_version", int_header(*r, "X-Secu-Schema-Version")}};
  if (d.format() == OutputFormat::kTable && !d.global.quiet) {
    *d.out << "wrote " << o.out << " (" << bytes << " bytes, " << j["audit_entries"].get<int64_t>()
           << " audit entries, schema " << j["schema_version"].get<int64_t>() << ")\n"
           << "keep master.key and signing.key of the data dir with it: a restore needs them\n";
  } else {
    print_object(d, j, {{"FILE", "file"}, {"BYTES", "bytes"}}, "file");
  }
  return kExitOk;
}

}  // namespace

void add_backup_commands(CLI::App& app, Deps& d, RunState& rs) {
  // `admin` gathers the platform operator's commands; another file may have made it already.
  CLI::App* admin = nullptr;
  for (auto* sc : app.get_subcommands([](CLI::App* c) { return c->get_name() == "admin"; }))
    admin = sc;
  if (!admin) {
    admin = app.add_subcommand("admin", "Platform administration (the admin token)");
    admin->require_subcommand(1);
  }
  auto o = std::make_shared<BackupOptions>();
  auto* backup = admin->add_subcommand(
      "backup",
      "Write a consistent snapshot of secud's database to FILE (0600), taken while it serves\n"
      "  secuctl admin backup --out /var/backups/secu-$(date +%F).db\n"
      "A restore also needs master.key and signing.key from the data dir (see secuctl(1)).");
  backup->add_option("--out", o->out, "file to write (refused if it exists, unless --force)")
      ->required();
  backup->add_flag("--force", o->force, "replace FILE if it exists");
  calls(backup, {"POST /v1/admin/backup"});
  backup->callback([o, &d, &rs] { rs.run = [o, &d] { return backup_run(*o, d); }; });
}

}  // namespace secu::cli
