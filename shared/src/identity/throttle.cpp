#include "secu/identity/throttle.hpp"

#include <algorithm>
#include <vector>

namespace secu::identity {

namespace {
constexpr uint64_t kSweepEvery = 4096;

void drop_old(std::deque<int64_t>& hits, int64_t window_ms, int64_t now_ms) {
  while (!hits.empty() && hits.front() <= now_ms - window_ms)
    hits.pop_front();
}
}  // namespace

int64_t RateLimiter::retry_after_s(const std::string& key, int64_t max, int64_t window_ms,
                                   int64_t now_ms) {
  std::lock_guard lk(m_mu);
  auto it = m_hits.find(key);
  if (it == m_hits.end()) return 0;
  auto& hits = it->second;
  drop_old(hits, window_ms, now_ms);
  if (hits.empty()) {
    m_hits.erase(it);
    return 0;
  }
  if (static_cast<int64_t>(hits.size()) < max) return 0;
  // Blocked until enough of the oldest attempts leave the window to make room for one more.
  const size_t idx = hits.size() - static_cast<size_t>(std::max<int64_t>(max, 1));
  const int64_t free_at = hits[idx] + window_ms;
  return std::max<int64_t>(1, (free_at - now_ms + 999) / 1000);
}

void RateLimiter::hit(const std::string& key, int64_t window_ms, int64_t now_ms) {
  std::lock_guard lk(m_mu);
  if (++m_calls % kSweepEvery == 0 || m_hits.size() >= m_max_keys) sweep(window_ms, now_ms);
  auto& hits = m_hits[key];
  drop_old(hits, window_ms, now_ms);
  hits.push_back(now_ms);
  // A key never needs more entries than any sane limit; cap it so one key cannot grow without
  // bound either.
  while (hits.size() > 10'000)
    hits.pop_front();
}

void RateLimiter::reset(const std::string& key) {
  std::lock_guard lk(m_mu);
  m_hits.erase(key);
}

size_t RateLimiter::size() const {
  std::lock_guard lk(m_mu);
  return m_hits.size();
}

void RateLimiter::sweep(int64_t window_ms, int64_t now_ms) {
  for (auto it = m_hits.begin(); it != m_hits.end();) {
    drop_old(it->second, window_ms, now_ms);
    it = it->second.empty() ? m_hits.erase(it) : std::next(it);
  }
  if (m_hits.size() < m_max_keys) return;
  // Still full of live keys: drop the half idle longest.
  std::vector<std::pair<int64_t, std::string>> by_last;
  by_last.reserve(m_hits.size());
  for (const auto& [k, v] : m_hits)
    by_last.emplace_back(v.back(), k);
  const size_t drop = by_last.size() / 2 + 1;
  std::nth_element(by_last.begin(), by_last.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   by_last.end());
  for (size_t i = 0; i < drop; ++i)
    m_hits.erase(by_last[i].second);
}

}  // namespace secu::identity
