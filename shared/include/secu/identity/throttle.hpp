// In-memory rate limiting of login and mail-sending attempts (DESIGN.md: 429 with Retry-After).
//
// A RateLimiter keeps, per key (an email, a client address), the times of the recent counted
// attempts inside a sliding window; a key with `max` of them is blocked until the oldest leaves
// the window. Limits are passed per call so a SIGHUP'd config applies at once.
// Memory is bounded: expired keys are swept every few thousand calls, and when more than
// `max_keys` keys are live the ones idle longest are dropped (an attacker rotating addresses
// can at worst reset other keys' counts early, never grow the process).
// State is per process: several secud replicas each count on their own, which multiplies the
// allowance by the replica count — acceptable for a brute-force brake, documented here.
// Thread-safety: every method locks the limiter's mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace secu::identity {

class RateLimiter {
 public:
  explicit RateLimiter(size_t max_keys = 100'000) : m_max_keys(max_keys) {}

  // 0 when `key` may make an attempt now, else the whole seconds until it may (at least 1).
  int64_t retry_after_s(const std::string& key, int64_t max, int64_t window_ms, int64_t now_ms);
  // Counts one attempt of `key` at now_ms.
  void hit(const std::string& key, int64_t window_ms, int64_t now_ms);
  // Forgets `key` (e.g. after a successful login for its email).
  void reset(const std::string& key);
  size_t size() const;

 private:
  void sweep(int64_t window_ms, int64_t now_ms);  // REQUIRES(m_mu)
  const size_t m_max_keys;
  mutable std::mutex m_mu;
  std::unordered_map<std::string, std::deque<int64_t>> m_hits;  // GUARDED_BY(m_mu)
  uint64_t m_calls = 0;                                         // GUARDED_BY(m_mu)
};

// The limiters of the identity flows: failed logins per email and per address (failed SSO
// callbacks count as failed logins of their address); mails asked (magic links, verification
// resends) per email and per address; SSO sign-ins started per address.
struct Throttles {
  RateLimiter login_by_email;
  RateLimiter login_by_addr;
  RateLimiter mail_by_email;
  RateLimiter mail_by_addr;
  RateLimiter sso_start_by_addr;
};

}  // namespace secu::identity
