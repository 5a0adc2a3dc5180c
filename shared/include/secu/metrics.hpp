// Process-wide counters of libsecu, read by secud's GET /metrics (daemon/server/metrics.hpp).
// They count events that only libsecu sees (an audit append committing or failing); secud
// keeps its own request and decision counters next to them.
//
// Thread-safety: relaxed atomics; a scrape may see one counter a few events ahead of another,
// which Prometheus tolerates (counters are monotonic, not a consistent snapshot).
#pragma once

#include <atomic>
#include <cstdint>

namespace secu::metrics {

struct Counter {
  std::atomic<uint64_t> value{0};
  void inc(uint64_t n = 1) { value.fetch_add(n, std::memory_order_relaxed); }
  uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

// Audit entries whose transaction committed (dry runs and rolled-back jobs do not count).
Counter& audit_appends();
// audit::append calls that failed: each one failed, and so rolled back, the change it recorded.
Counter& audit_append_failures();

}  // namespace secu::metrics
