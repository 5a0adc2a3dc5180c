#include <algorithm>

#include "gateway/proxy.hpp"

namespace secu::gateway {

void CancelToken::cancel() {
  std::vector<std::pair<uint64_t, std::function<void()>>> subs;
  {
    std::lock_guard lk(m_mu);
    if (m_cancelled.exchange(true, std::memory_order_acq_rel)) return;
    subs.swap(m_subs);
  }
  // Outside the lock: a subscriber may take its own locks (the stream's), and the stream may be
  // unsubscribing from another thread at the same moment.
  for (auto& [id, fn] : subs)
    fn();
}

uint64_t CancelToken::subscribe(std::function<void()> fn) {
  {
    std::lock_guard lk(m_mu);
    if (!m_cancelled.load(std::memory_order_acquire)) {
      const uint64_t id = m_next++;
      m_subs.emplace_back(id, std::move(fn));
      return id;
    }
  }
  fn();
  return 0;
}

void CancelToken::unsubscribe(uint64_t id) {
  std::lock_guard lk(m_mu);
  m_subs.erase(
      std::remove_if(m_subs.begin(), m_subs.end(), [id](const auto& s) { return s.first == id; }),
      m_subs.end());
}

void StreamRegistry::prune_locked(const std::string& agent_id) {
  auto it = m_open.find(agent_id);
  if (it == m_open.end()) return;
  auto& v = it->second;
  v.erase(std::remove_if(v.begin(), v.end(), [](const auto& w) { return w.expired(); }), v.end());
  if (v.empty()) m_open.erase(it);
}

std::shared_ptr<CancelToken> StreamRegistry::open(const std::string& agent_id) {
  auto token = std::make_shared<CancelToken>();
  std::lock_guard lk(m_mu);
  prune_locked(agent_id);
  m_open[agent_id].push_back(token);
  return token;
}

size_t StreamRegistry::cancel_agent(const std::string& agent_id) {
  std::vector<std::shared_ptr<CancelToken>> live;
  {
    std::lock_guard lk(m_mu);
    auto it = m_open.find(agent_id);
    if (it == m_open.end()) return 0;
    for (const auto& w : it->second)
      if (auto t = w.lock()) live.push_back(std::move(t));
    m_open.erase(it);
  }
  for (auto& t : live)
    t->cancel();
  return live.size();
}

size_t StreamRegistry::open_count(const std::string& agent_id) {
  std::lock_guard lk(m_mu);
  prune_locked(agent_id);
  auto it = m_open.find(agent_id);
  return it == m_open.end() ? 0 : it->second.size();
}

}  // namespace secu::gateway
