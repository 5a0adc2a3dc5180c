// An elastic set of worker threads for the proxy's upstream readers. Each open stream needs a
// thread of its own for as long as it lasts (httplib's client reads blocking), so a fixed pool
// would cap concurrent streams; instead idle threads are reused and new ones start when none is
// idle. An idle thread exits after `idle_ttl`.
//
// Thread-safety: submit() from any thread. The shared state lives in a shared_ptr held by every
// thread, so a thread finishing after the Workers object is gone touches nothing freed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace secu::gateway::detail {

class Workers {
 public:
  explicit Workers(std::chrono::milliseconds idle_ttl);
  // Stops idle threads and waits until every running task has returned: the owner must make
  // running tasks finish first (the proxy cancels its streams).
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  void submit(std::function<void()> task);
  size_t threads() const;

 private:
  struct Shared {
    std::mutex mu;
    std::condition_variable work_cv;          // a task arrived or stop
    std::condition_variable exit_cv;          // a thread exited
    std::deque<std::function<void()>> tasks;  // GUARDED_BY(mu)
    size_t idle = 0;                          // GUARDED_BY(mu): threads waiting for work
    size_t alive = 0;                         // GUARDED_BY(mu)
    bool stop = false;                        // GUARDED_BY(mu)
    std::chrono::milliseconds idle_ttl{0};
  };
  static void run(std::shared_ptr<Shared> s);
  std::shared_ptr<Shared> m_s;
};

}  // namespace secu::gateway::detail
