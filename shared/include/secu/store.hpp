// The store: one SQLite database, one writer connection with group commit, a pool of readers.
//
// Invariants (model: LevelDB's DBImpl::Write):
//  1. Every write runs on the writer connection, inside a SAVEPOINT of the current batch
//     transaction, on the thread of whichever waiting write leads the queue (leader/follower:
//     no writer thread to hand over to, see write()). A job that returns an error is rolled back to
//     its savepoint alone; the other jobs of the batch are unaffected.
//  2. A batch is committed with one COMMIT (one WAL fsync under synchronous=FULL). write()
//     returns only after that COMMIT succeeded, so nothing is acknowledged that a crash could
//     lose. If COMMIT fails, every job of the batch answers kUnavailable and nothing of the
//     batch is visible.
//  3. After a failed commit, or a job failing on a storage error (disk full, I/O, read-only),
//     the store is "degraded" (ready() is false) until a later commit succeeds; writes keep
//     being attempted, so the daemon recovers without a restart when the disk has room again.
//  3a. SQLite may roll the whole transaction back by itself on SQLITE_FULL or an I/O error.
//     The jobs after that point are not run (a SAVEPOINT outside a transaction would commit on
//     its own), and the batch answers kUnavailable.
//  4. Readers see only committed data (WAL snapshot per read transaction).
// Thread-safety: write() and read() may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/result.hpp"

namespace secu::store {

// What a write job sees: the writer connection, inside its own savepoint, and hooks that run
// on the leader's thread once the batch's fate is known.
class WriteTx {
 public:
  explicit WriteTx(Db& db) : db(db) {}
  Db& db;
  // Runs after the batch committed (e.g. to update a cache the change invalidates).
  void after_commit(std::function<void()> fn) { m_after_commit.push_back(std::move(fn)); }

 private:
  friend class Store;
  std::vector<std::function<void()>> m_after_commit;
};

struct StoreOptions {
  std::string path;
  int readers = 4;
  size_t max_batch = 256;
};

class Store {
  struct Passkey {
    explicit Passkey() = default;
  };

 public:
  explicit Store(Passkey) {}
  using WriteFn = std::function<Status(WriteTx&)>;
  using ReadFn = std::function<Status(Db&)>;

  // Opens (creating) the database and applies pending migrations.
  static Result<std::unique_ptr<Store>> open(const StoreOptions& opts);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs fn in the next batch and returns once that batch committed (invariant 2). fn may run
  // on another caller's thread: it must not wait on anything its caller holds.
  Status write(WriteFn fn);
  // Runs fn on a pooled read connection inside a read transaction.
  Status read(const ReadFn& fn);

  // False while the last commit failed (invariant 3) or after close().
  bool ready() const { return !m_degraded.load() && !m_stopping.load(); }
  // ready(), but while degraded first tries one small write (at most every 200 ms), so the
  // store turns ready again when the disk has room even if no client writes (/readyz).
  bool probe_ready();
  // Schema version after migrations.
  int schema_version() const { return m_schema_version; }
  // Moves past every value it had before once a committed (or failed) batch changed any of
  // the tables that say what a key may do: orgs, agents, policies, agent_policies, vendors,
  // billing_settings (caught by an update hook on the writer connection, so no write path can
  // forget it). It moves before write() returns, so a reader that sees an unchanged value
  // after a change was acknowledged cannot exist: read it BEFORE the read transaction of the
  // data it tags. The keys table is left out on purpose: its last_used_at moves with use, and
  // the gateway reads a key's own row fresh (auth and the decision's write both do).
  uint64_t governance_generation() const {
    return m_governance_generation.load(std::memory_order_acquire);
  }
  // Waits for the queued writes to finish; later writes answer kUnavailable.
  void close();
  const std::string& path() const { return m_path; }

 private:
  struct Job;
  static void on_row_change(void* self, int op, const char* db, const char* table,
                            long long rowid);  // sqlite3_update_hook's callback
  void run_batch(const std::vector<Job*>& batch);
  std::unique_ptr<Db> acquire_reader();
  void release_reader(std::unique_ptr<Db> db);

  std::string m_path;
  size_t m_max_batch = 256;
  int m_schema_version = 0;
  std::unique_ptr<Db> m_writer_db;  // used only by the leading job's thread (write())

  std::mutex m_mu;
  std::condition_variable m_drained;  // the queue emptied (close() waits for it)
  std::deque<Job*> m_queue;           // GUARDED_BY(m_mu): waiting writes; the front one leads
  std::atomic<bool> m_stopping{false};
  std::atomic<bool> m_degraded{false};
  std::atomic<int64_t> m_last_probe_ms{0};
  std::atomic<uint64_t> m_governance_generation{1};
  bool m_governance_touched = false;  // leader only: set by the update hook

  std::mutex m_readers_mu;
  std::vector<std::unique_ptr<Db>> m_readers;  // GUARDED_BY(m_readers_mu)
};

}  // namespace secu::store
