#include "secu/db.hpp"

#include <sqlite3.h>

#include <mutex>

#include "secu/log.hpp"

namespace secu::store {

Error sqlite_error(int rc, std::string_view during) {
  const int primary = rc & 0xff;
  log::warn("sqlite error",
            {{"during", during}, {"code", sqlite3_errstr(rc)}, {"rc", static_cast<int64_t>(rc)}});
  switch (primary) {
    case SQLITE_CONSTRAINT:
      return Error::conflict("conflict", "the change conflicts with an existing record");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PROTOCOL:
      return Error::unavailable();
    default:
      return Error::internal();
  }
}

// ---- Stmt -------------------------------------------------------------------------------------

Stmt::Stmt(Stmt&& o) noexcept : m_db(o.m_db), m_stmt(o.m_stmt), m_bind_failed(o.m_bind_failed) {
  o.m_stmt = nullptr;
}

Stmt::~Stmt() {
  if (m_stmt) {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }
}

Stmt& Stmt::bind(int idx, int64_t v) {
  if (sqlite3_bind_int64(m_stmt, idx, v) != SQLITE_OK) m_bind_failed = true;
  return *this;
}
Stmt& Stmt::bind(int idx, double v) {
  if (sqlite3_bind_double(m_stmt, idx, v) != SQLITE_OK) m_bind_failed = true;
  return *this;
}
Stmt& Stmt::bind(int idx, std::string_view v) {
  if (sqlite3_bind_text64(m_stmt, idx, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
      SQLITE_OK)
    m_bind_failed = true;
  return *this;
}
Stmt& Stmt::bind_blob(int idx, std::string_view v) {
  if (sqlite3_bind_blob64(m_stmt, idx, v.data(), v.size(), SQLITE_TRANSIENT) != SQLITE_OK)
    m_bind_failed = true;
  return *this;
}
Stmt& Stmt::bind_null(int idx) {
  if (sqlite3_bind_null(m_stmt, idx) != SQLITE_OK) m_bind_failed = true;
  return *this;
}

Result<bool> Stmt::step() {
  if (m_bind_failed) return Error::internal();
  const int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // sqlite3_step's rc is the primary code; the extended one tells constraint kinds apart.
  return sqlite_error(sqlite3_extended_errcode(sqlite3_db_handle(m_stmt)), "step");
}

Status Stmt::run() {
  for (;;) {
    SECU_TRY(bool row, step());
    if (!row) return {};
  }
}

void Stmt::reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
  m_bind_failed = false;
}

bool Stmt::is_null(int col) const {
  return sqlite3_column_type(m_stmt, col) == SQLITE_NULL;
}
int64_t Stmt::int64(int col) const {
  return sqlite3_column_int64(m_stmt, col);
}
double Stmt::real(int col) const {
  return sqlite3_column_double(m_stmt, col);
}
std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(m_stmt, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(m_stmt, col)));
}
std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}
std::optional<int64_t> Stmt::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}
std::string Stmt::blob(int col) const {
  const void* p = sqlite3_column_blob(m_stmt, col);
  if (!p) return {};
  return std::string(static_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(m_stmt, col)));
}

// ---- Db ---------------------------------------------------------------------------------------

Result<std::unique_ptr<Db>> Db::open(const std::string& path, const OpenOptions& opts) {
  // SQLite counts every allocation under one global mutex unless told not to (Debian's build
  // keeps that default), and nothing here reads the counters: under load that mutex is where
  // the gateway's threads queued. It can only be set before SQLite initialises, so once, first
  // (a process that initialised SQLite already keeps its setting: SQLITE_MISUSE, ignored).
  static std::once_flag memstatus_off;
  std::call_once(memstatus_off, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  int flags = SQLITE_OPEN_NOMUTEX;  // one thread at a time per connection; the store enforces it
  flags |= opts.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (opts.create && !opts.read_only) flags |= SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  auto db = std::make_unique<Db>(Passkey{}, raw);  // owns raw even when open failed
  if (rc != SQLITE_OK) return sqlite_error(rc, "open");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, opts.busy_timeout_ms);
  // WAL lets readers run beside the one writer; synchronous=FULL makes every commit durable
  // (the WAL is fsynced on commit), which is what "acknowledged only after commit" relies on.
  SECU_TRY_VOID(
      db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
               "PRAGMA temp_store=MEMORY;"));
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : m_cache)
    sqlite3_finalize(stmt);
  sqlite3_close_v2(m_db);
}

Status Db::exec(std::string_view sql) {
  std::string owned(sql);
  const int rc = sqlite3_exec(m_db, owned.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(sqlite3_extended_errcode(m_db), "exec");
  return {};
}

Result<Stmt> Db::query(std::string_view sql) {
  auto it = m_cache.find(sql);
  if (it == m_cache.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(rc, "prepare");
    it = m_cache.emplace(std::string(sql), stmt).first;
  }
  return Stmt(this, it->second);
}

int64_t Db::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(m_db);
}
int Db::changes() const {
  return sqlite3_changes(m_db);
}

Result<int> Db::user_version() {
  SECU_TRY(auto st, query("PRAGMA user_version"));
  SECU_TRY(bool row, st.step());
  if (!row) return Error::internal();
  return static_cast<int>(st.int64(0));
}

Status Db::backup_to(const std::string& dest) {
  sqlite3* raw = nullptr;
  const int orc =
      sqlite3_open_v2(dest.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> out(raw, sqlite3_close_v2);  // even when open failed
  if (orc != SQLITE_OK) return sqlite_error(orc, "backup open");
  sqlite3_backup* b = sqlite3_backup_init(raw, "main", m_db, "main");
  if (!b) return sqlite_error(sqlite3_extended_errcode(raw), "backup init");
  const int rc = sqlite3_backup_step(b, -1);
  const int frc = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return sqlite_error(rc, "backup step");
  if (frc != SQLITE_OK) return sqlite_error(frc, "backup finish");
  // A copy that does not check out is not worth sending anyone.
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(raw, "PRAGMA quick_check", -1, &st, nullptr) != SQLITE_OK)
    return sqlite_error(sqlite3_extended_errcode(raw), "backup check");
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> check(st, sqlite3_finalize);
  const int src = sqlite3_step(st);
  const unsigned char* verdict = src == SQLITE_ROW ? sqlite3_column_text(st, 0) : nullptr;
  if (!verdict || std::string_view(reinterpret_cast<const char*>(verdict)) != "ok") {
    log::error("backup copy failed its quick_check");
    return Error::unavailable("the backup copy did not pass its integrity check");
  }
  return {};
}

// ---- Tx / Savepoint ---------------------------------------------------------------------------

Result<Tx> Tx::begin(Db& db, bool immediate) {
  SECU_TRY_VOID(db.exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN"));
  return Tx(&db);
}

Tx::~Tx() {
  if (m_db) (void)m_db->exec("ROLLBACK");
}

Status Tx::commit() {
  Db* db = m_db;
  m_db = nullptr;
  auto st = db->exec("COMMIT");
  if (!st.ok()) (void)db->exec("ROLLBACK");
  return st;
}

Result<Savepoint> Savepoint::begin(Db& db) {
  SECU_TRY_VOID(db.exec("SAVEPOINT secu_sp"));
  return Savepoint(&db);
}

Savepoint::~Savepoint() {
  if (m_db) (void)m_db->exec("ROLLBACK TO secu_sp; RELEASE secu_sp");
}

Status Savepoint::release() {
  Db* db = m_db;
  m_db = nullptr;
  return db->exec("RELEASE secu_sp");
}

}  // namespace secu::store
