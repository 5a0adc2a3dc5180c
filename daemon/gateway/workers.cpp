#include "gateway/workers.hpp"

#include <thread>

namespace secu::gateway::detail {

Workers::Workers(std::chrono::milliseconds idle_ttl) : m_s(std::make_shared<Shared>()) {
  m_s->idle_ttl = idle_ttl;
}

Workers::~Workers() {
  std::unique_lock lk(m_s->mu);
  m_s->stop = true;
  m_s->work_cv.notify_all();
  m_s->exit_cv.wait(lk, [&] { return m_s->alive == 0; });
}

void Workers::submit(std::function<void()> task) {
  std::lock_guard lk(m_s->mu);
  m_s->tasks.push_back(std::move(task));
  if (m_s->idle >= m_s->tasks.size()) {
    m_s->work_cv.notify_one();
    return;
  }
  ++m_s->alive;
  // Detached: the thread owns a reference to the shared state and reports its exit through
  // `alive`, which the destructor waits on.
  std::thread(run, m_s).detach();
}

size_t Workers::threads() const {
  std::lock_guard lk(m_s->mu);
  return m_s->alive;
}

void Workers::run(std::shared_ptr<Shared> s) {
  std::unique_lock lk(s->mu);
  while (true) {
    if (!s->tasks.empty()) {
      auto task = std::move(s->tasks.front());
      s->tasks.pop_front();
      lk.unlock();
      task();
      task = nullptr;  // release what the task captured before taking the lock again
      lk.lock();
      continue;
    }
    if (s->stop) break;
    ++s->idle;
    const bool woke =
        s->work_cv.wait_for(lk, s->idle_ttl, [&] { return !s->tasks.empty() || s->stop; });
    --s->idle;
    if (!woke) break;  // idle for idle_ttl: exit
  }
  --s->alive;
  s->exit_cv.notify_all();
}

}  // namespace secu::gateway::detail
