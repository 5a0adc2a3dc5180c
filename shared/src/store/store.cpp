#include "secu/store.hpp"

#include <sqlite3.h>

#include "secu/clock.hpp"
#include "secu/log.hpp"
#include "secu/migrations.hpp"

namespace secu::store {

struct Store::Job {
  WriteFn fn;
  Status result;
  bool done = false;           // GUARDED_BY(Store::m_mu)
  std::condition_variable cv;  // waits on Store::m_mu: done, or this job leads the queue
};

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& opts) {
  auto s = std::make_unique<Store>(Passkey{});
  s->m_path = opts.path;
  s->m_max_batch = opts.max_batch;
  SECU_TRY(s->m_writer_db, Db::open(opts.path, {}));
  SECU_TRY(s->m_schema_version, migrate(*s->m_writer_db, migrations()));
  for (int i = 0; i < opts.readers; ++i) {
    SECU_TRY(auto r, Db::open(opts.path, {.create = false}));
    s->m_readers.push_back(std::move(r));
  }
  sqlite3_update_hook(s->m_writer_db->raw(), &Store::on_row_change, s.get());
  return s;
}

Store::~Store() {
  close();
}

void Store::close() {
  std::unique_lock lk(m_mu);
  m_stopping = true;
  // Writes already queued still run: their callers are waiting for an answer.
  m_drained.wait(lk, [&] { return m_queue.empty(); });
}

// Leader/follower group commit (LevelDB's DBImpl::Write): the job at the front of the queue
// runs the batch — itself and the jobs queued behind it — on its own thread, then hands the
// lead to the next job. A request that finds the queue empty commits with no thread hop at
// all; under load the jobs that queued while a commit was in flight go in the next one.
Status Store::write(WriteFn fn) {
  Job job;
  job.fn = std::move(fn);
  std::unique_lock lk(m_mu);
  if (m_stopping) return Error::unavailable("the daemon is shutting down");
  m_queue.push_back(&job);
  job.cv.wait(lk, [&] { return job.done || m_queue.front() == &job; });
  if (job.done) return std::move(job.result);

  // This job leads: take the batch, run it unlocked (the writer connection is the leader's
  // alone: only the front job of the queue ever touches it), then answer the followers.
  std::vector<Job*> batch;
  for (auto it = m_queue.begin(); it != m_queue.end() && batch.size() < m_max_batch; ++it)
    batch.push_back(*it);
  lk.unlock();
  run_batch(batch);
  lk.lock();
  for (Job* j : batch) {
    m_queue.pop_front();  // the batch is the queue's prefix: nothing is queued in front of it
    j->done = true;
    if (j != &job) j->cv.notify_one();
  }
  if (!m_queue.empty()) {
    m_queue.front()->cv.notify_one();
  } else {
    m_drained.notify_all();
  }
  return std::move(job.result);
}

void Store::on_row_change(void* self, int, const char*, const char* table, long long) {
  static constexpr std::string_view kGovernance[] = {
      "orgs", "agents", "policies", "agent_policies", "vendors", "billing_settings"};
  auto* store = static_cast<Store*>(self);
  if (store->m_governance_touched) return;
  const std::string_view t(table);
  for (auto g : kGovernance) {
    if (t == g) {
      store->m_governance_touched = true;
      return;
    }
  }
}

void Store::run_batch(const std::vector<Job*>& batch) {
  std::vector<std::function<void()>> after;
  Status batch_status;
  bool storage_fault = false;
  auto tx = Tx::begin(*m_writer_db);
  if (!tx.ok()) {
    batch_status = tx.take_error();
  } else {
    for (auto& job : batch) {
      // Invariant 3a: the batch transaction is gone (SQLite rolled it back after a storage
      // error); running on would autocommit each job behind the batch's back.
      if (sqlite3_get_autocommit(m_writer_db->raw()) != 0) {
        job->result = Error::unavailable();
        storage_fault = true;
        continue;
      }
      auto sp = Savepoint::begin(*m_writer_db);
      if (!sp.ok()) {
        job->result = sp.take_error();
        continue;
      }
      WriteTx wtx(*m_writer_db);
      Status st;
      try {
        st = job->fn(wtx);
      } catch (const std::exception&) {
        // A throwing job is a bug; its savepoint rolls it back and the batch goes on.
        log::error("write job threw");
        st = Error::internal();
      }
      if (st.ok()) {
        st = sp->release();
        if (st.ok()) {
          for (auto& f : wtx.m_after_commit)
            after.push_back(std::move(f));
        }
      }
      // A storage error inside a job (the disk filled while it wrote) degrades the store like
      // a failed commit would.
      if (!st.ok() && st.error().kind == ErrorKind::kUnavailable) storage_fault = true;
      job->result = std::move(st);  // on error the Savepoint destructor rolls back
    }
    if (sqlite3_get_autocommit(m_writer_db->raw()) != 0) {
      // Invariant 3a again: nothing of this batch may be acknowledged.
      batch_status = Error::unavailable();
    } else {
      batch_status = tx->commit();
    }
  }
  // Before any job is acknowledged (invariant of governance_generation). A rolled-back change
  // moves it too: a spurious miss costs one read.
  if (m_governance_touched) {
    m_governance_touched = false;
    m_governance_generation.fetch_add(1, std::memory_order_acq_rel);
  }
  if (batch_status.ok() && !storage_fault) {
    if (m_degraded.exchange(false)) log::info("storage recovered");
    for (auto& f : after)
      f();
  } else if (batch_status.ok()) {
    // The batch committed without the jobs that hit the storage error; the others are stored
    // and acknowledged.
    if (!m_degraded.exchange(true)) log::error("write failed on storage; storage degraded");
    for (auto& f : after)
      f();
  } else {
    if (!m_degraded.exchange(true)) log::error("commit failed; storage degraded");
    for (auto& job : batch) {
      if (job->result.ok()) job->result = Error::unavailable();
    }
  }
}

bool Store::probe_ready() {
  if (m_stopping.load()) return false;
  if (!m_degraded.load()) return true;
  const int64_t now = now_ms();
  int64_t last = m_last_probe_ms.load();
  if (now - last < 200 || !m_last_probe_ms.compare_exchange_strong(last, now)) return false;
  // A real write (a WAL frame), so it fails while the disk is still full. Its success clears
  // m_degraded in run_batch.
  auto st = write([now](WriteTx& w) -> Status {
    SECU_TRY(auto q, w.db.query("INSERT INTO meta (key, value) VALUES ('store_probe', ?1) "
                                "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    q.bind_all(std::to_string(now));
    return q.run();
  });
  return st.ok() && ready();
}

std::unique_ptr<Db> Store::acquire_reader() {
  {
    std::lock_guard lk(m_readers_mu);
    if (!m_readers.empty()) {
      auto db = std::move(m_readers.back());
      m_readers.pop_back();
      return db;
    }
  }
  // Pool exhausted (more concurrent readers than configured): open one more.
  auto db = Db::open(m_path, {.create = false});
  if (!db.ok()) return nullptr;
  return std::move(db).value();
}

void Store::release_reader(std::unique_ptr<Db> db) {
  std::lock_guard lk(m_readers_mu);
  if (m_readers.size() < 64) m_readers.push_back(std::move(db));
}

Status Store::read(const ReadFn& fn) {
  auto db = acquire_reader();
  if (!db) return Error::unavailable();
  Status st;
  {
    auto tx = Tx::begin(*db, /*immediate=*/false);
    if (!tx.ok()) {
      st = tx.take_error();
    } else {
      st = fn(*db);
      // A read transaction has nothing to commit; the Tx destructor ends it.
    }
  }
  release_reader(std::move(db));
  return st;
}

}  // namespace secu::store
