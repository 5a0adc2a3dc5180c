#include "server/worker_pool.hpp"

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace secu::daemon {

namespace {

class WorkerPool final : public httplib::TaskQueue {
 public:
  WorkerPool(size_t core, size_t max) : m_max(std::max(core, max)) {
    std::lock_guard<std::mutex> lock(m_mu);
    for (size_t i = 0; i < core; ++i)
      spawn();
  }
  ~WorkerPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(m_mu);
    m_jobs.push_back(std::move(fn));
    // Every idle thread already has a job waiting for it: grow, so a new connection never
    // waits behind connections that are only slow.
    if (m_idle < m_jobs.size() && m_threads.size() < m_max) spawn();
    m_cv.notify_one();
  }

  // Called once the listener stopped: the queued connections are still served, then the
  // threads end.
  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(m_mu);
      if (m_stop) return;
      m_stop = true;
    }
    m_cv.notify_all();
    for (auto& t : m_threads)
      if (t.joinable()) t.join();
  }

 private:
  void spawn() {  // m_mu held
    m_threads.emplace_back([this] { work(); });
  }

  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(m_mu);
        ++m_idle;
        m_cv.wait(lock, [this] { return m_stop || !m_jobs.empty(); });
        --m_idle;
        if (m_jobs.empty()) return;  // stopping and drained
        fn = std::move(m_jobs.front());
        m_jobs.pop_front();
      }
      fn();
    }
  }

  const size_t m_max;
  std::mutex m_mu;
  std::condition_variable m_cv;
  std::deque<std::function<void()>> m_jobs;  // GUARDED_BY(m_mu)
  std::vector<std::thread> m_threads;        // GUARDED_BY(m_mu) until shutdown
  size_t m_idle = 0;                         // GUARDED_BY(m_mu)
  bool m_stop = false;                       // GUARDED_BY(m_mu)
};

}  // namespace

httplib::TaskQueue* new_worker_pool(size_t core, size_t max) {
  return new WorkerPool(core, max);
}

}  // namespace secu::daemon
