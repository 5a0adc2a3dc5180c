// SQLite connection and statement wrappers: the only code that touches sqlite3_* directly.
//
// Thread-safety: a Db is used by one thread at a time (the store hands connections out). A Stmt
// borrows a prepared statement from its Db's cache; it resets and clears the bindings when it
// goes out of scope, so a cached statement is always clean for its next user (STYLE.md §2).
// Errors: SQLite result codes are mapped here and only here — constraint → kConflict, busy,
// locked, I/O, full, read-only, corrupt → kUnavailable, the rest → kInternal. Messages name the
// SQLite code, never the SQL text or bound values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "secu/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace secu::store {

// Maps an SQLite result code to a safe Error (logs the code name, never SQL).
Error sqlite_error(int rc, std::string_view during);

class Db;

class Stmt {
 public:
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Binds are 1-based like SQLite's. An empty optional binds NULL.
  Stmt& bind(int idx, int64_t v);
  Stmt& bind(int idx, int v) { return bind(idx, static_cast<int64_t>(v)); }
  Stmt& bind(int idx, bool v) { return bind(idx, static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& bind(int idx, double v);
  Stmt& bind(int idx, std::string_view v);
  Stmt& bind(int idx, const std::string& v) { return bind(idx, std::string_view(v)); }
  Stmt& bind(int idx, const char* v) { return bind(idx, std::string_view(v)); }
  Stmt& bind_blob(int idx, std::string_view v);
  Stmt& bind_null(int idx);
  template <typename T>
  Stmt& bind(int idx, const std::optional<T>& v) {
    return v ? bind(idx, *v) : bind_null(idx);
  }
  // Binds every argument in order, starting at 1.
  template <typename... Args>
  Stmt& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  // Steps once: true when a row is available, false when done.
  Result<bool> step();
  // Steps to completion (for statements that return no rows).
  Status run();
  // Resets the statement and clears its bindings, to run it again with new values.
  void reset();

  bool is_null(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  std::optional<int64_t> opt_int64(int col) const;
  std::string blob(int col) const;

 private:
  friend class Db;
  Stmt(Db* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
  Db* m_db;
  sqlite3_stmt* m_stmt;  // owned by the Db's cache
  bool m_bind_failed = false;
};

struct OpenOptions {
  bool create = true;
  bool read_only = false;
  int busy_timeout_ms = 5000;
};

class Db {
  struct Passkey {
    explicit Passkey() = default;
  };

 public:
  Db(Passkey, sqlite3* db) : m_db(db) {}
  static Result<std::unique_ptr<Db>> open(const std::string& path, const OpenOptions& opts);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
  Status exec(std::string_view sql);
  // Returns the cached prepared statement for `sql`, preparing it on first use.
  Result<Stmt> query(std::string_view sql);

  int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* raw() { return m_db; }

  // Reads PRAGMA user_version / writes it (migrations).
  Result<int> user_version();

  // Copies the database as this connection sees it into `dest` (an empty or new file) with
  // SQLite's online backup API, all pages in one step, then runs PRAGMA quick_check on the
  // copy. Inside a read transaction (Store::read) the copy is that transaction's snapshot;
  // writers on other connections go on meanwhile and, the copy being one step, never restart
  // it. kUnavailable when the copy fails or does not check out.
  Status backup_to(const std::string& dest);

 private:
  // Heterogeneous lookup: a cached statement is found by string_view without an allocation.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* m_db;
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> m_cache;
};

// A transaction that rolls back unless commit() is called. For the writer's group commit use
// Savepoint instead; Tx is for migrations and tools.
class Tx {
 public:
  static Result<Tx> begin(Db& db, bool immediate = true);
  Tx(Tx&& o) noexcept : m_db(o.m_db) { o.m_db = nullptr; }
  Tx& operator=(Tx&&) = delete;
  ~Tx();
  Status commit();

 private:
  explicit Tx(Db* db) : m_db(db) {}
  Db* m_db;
};

// A named savepoint: released by release(), rolled back to (and released) otherwise.
class Savepoint {
 public:
  static Result<Savepoint> begin(Db& db);
  Savepoint(Savepoint&& o) noexcept : m_db(o.m_db) { o.m_db = nullptr; }
  Savepoint& operator=(Savepoint&&) = delete;
  ~Savepoint();
  Status release();

 private:
  explicit Savepoint(Db* db) : m_db(db) {}
  Db* m_db;
};

}  // namespace secu::store
