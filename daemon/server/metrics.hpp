// secud's Prometheus metrics: requests by route template and status code, request durations
// as a histogram per route, gateway decisions by outcome, and libsecu's audit counters
// (secu/metrics.hpp). Rendered by GET /metrics in the Prometheus text format 0.0.4.
//
// Labels are bounded by construction: the route TEMPLATE (/v1/agents/{agent_id}, never the
// path, which carries ids and could carry a secret), a fixed list of status codes, a fixed
// list of outcomes. Requests that matched no route count under route="unmatched".
//
// Cost per request: a few relaxed atomic adds on slots allocated once at start (no lock, no
// allocation, no map lookup): the route index comes from the match, the status slot from a
// table. Thread-safety: init() before the server serves; everything else from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace secu::daemon {

class RouteTable;

class Metrics {
 public:
  // Gateway decisions (one per request the gateway decided; 401s before a decision excluded).
  enum class Decision { kAllowed = 0, kDenied, kPendingApproval, kCount };

  // Sizes the slots for the route table; routes are then addressed by their index in it.
  void init(const RouteTable& routes);
  // `route_index` out of range (e.g. SIZE_MAX) counts as "unmatched".
  void observe_request(size_t route_index, int status, int64_t duration_us);
  void observe_decision(Decision d);
  // The Prometheus text exposition of every metric.
  std::string render() const;

  static constexpr size_t kUnmatched = static_cast<size_t>(-1);

 private:
  static constexpr size_t kBuckets = 12;  // upper bounds in kBoundsUs, then +Inf
  static const int64_t kBoundsUs[kBuckets - 1];
  static constexpr size_t kStatusSlots = 40;  // fixed codes (metrics.cpp) + "other"

  struct Series {
    std::string method;  // the route's, "other" for unmatched
    std::string route;   // the template, "unmatched"
    std::atomic<uint64_t> by_status[kStatusSlots] = {};
    std::atomic<uint64_t> buckets[kBuckets] = {};  // not cumulative; summed when rendered
    std::atomic<uint64_t> sum_us{0};
  };
  std::unique_ptr<Series[]> m_series;  // one per route, then one for unmatched
  size_t m_count = 0;
  std::atomic<uint64_t> m_decisions[static_cast<size_t>(Decision::kCount)] = {};
};

}  // namespace secu::daemon
