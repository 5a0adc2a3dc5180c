// Online backup of the database: a consistent snapshot taken while secud keeps serving.
//
// What a restore needs besides the snapshot lives in files of the data dir, backed up once:
// master.key (seals vendor secrets; the keyed token hashes derive from it, so without it no
// agent key, session or admin token verifies) and signing.key (JWTs and the audit
// checkpoints, which `audit verify` checks). admin.token is only the plain copy of a token
// whose hash is in the database. README "Backup and restore" has the procedure.
#pragma once

#include <cstdint>
#include <string>

#include "secu/audit.hpp"
#include "secu/audit/verify.hpp"
#include "secu/crypto.hpp"
#include "secu/result.hpp"
#include "secu/store.hpp"

namespace secu::backup {

struct Snapshot {
  int64_t bytes = 0;
  int64_t audit_entries = 0;  // the audit log's size in the snapshot
  int schema_version = 0;
};

// Temporary snapshots are made in the data dir under this prefix (same file system as the
// database, private to secud's user) and removed once streamed.
inline constexpr const char* kTempPrefix = "backup-";
inline constexpr const char* kTempSuffix = ".db.tmp";

// Writes a consistent copy of the database into `dest`, a new file created 0600 (an existing
// one is refused): one read snapshot, copied with SQLite's online backup API and checked
// (quick_check). Then appends `audit` (its details gain bytes, audit_entries, schema_version)
// in a write job, so the log records who took which backup; the entry is not in the snapshot
// it describes. On any failure `dest` is removed and nothing is audited.
Result<Snapshot> snapshot(store::Store& st, const std::string& dest, audit::Entry audit);

// What verify_file found.
struct FileCheck {
  int schema_version = 0;  // of the backup as made (before any migration of the copy)
  audit::VerifyReport audit;
};

// Checks a backup offline, on a private copy in a temporary dir (`file` is only read): it must
// open as a Secu database (the copy is migrated if it is older than this secud), and its audit
// log must verify (chain, tree, checkpoints) with `signing_key`, the one of the key files it
// is to be restored with — so a mismatched signing.key shows up before the restore.
Result<FileCheck> verify_file(const std::string& file, const crypto::SigningKey& signing_key);

// Removes snapshots a crash left in `data_dir` (the temporary files above). Called at start.
void remove_stale(const std::string& data_dir);

}  // namespace secu::backup
