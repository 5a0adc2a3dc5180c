// The gateway's process-wide state, one per secud (App::gateway): the streaming proxy, the open
// streams of every agent (for the kill-switch), the board that wakes approval long polls, the
// settler that turns finished streams into settled billing events, and the sweep that expires
// lapsed approvals (and lapsed ledger holds of external-rail transfers).
//
// Threads: the settler and the sweeper each run one thread between start() and stop(). stop()
// drains the settlements queued so far (so a clean shutdown loses none), then joins; call it
// after the HTTP server stopped and before the store closes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/governance_cache.hpp"
#include "gateway/proxy.hpp"
#include "secu/gateway_core.hpp"
#include "secu/store.hpp"

namespace secu::daemon {
class App;
class Ctx;
}  // namespace secu::daemon

namespace secu::gateway {

// Wakes every long poll when any approval changes; waiters re-read their own row. A generation
// counter instead of per-id channels: decisions are rare next to the polls' lifetimes, and a
// spurious wake costs one indexed read.
class ApprovalBoard {
 public:
  uint64_t generation();
  void notify();
  // Waits until the generation moves past `seen` or `deadline`; returns the new generation.
  uint64_t wait(uint64_t seen, std::chrono::steady_clock::time_point deadline);

 private:
  std::mutex m_mu;
  std::condition_variable m_cv;
  uint64_t m_generation = 0;  // GUARDED_BY(m_mu)
};

class Runtime {
 public:
  explicit Runtime(daemon::App& app);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Settles what a crash left unsettled, then starts the settler and the sweeper.
  Status start();
  void stop();

  // Queues a settlement; the settler writes queued ones together in one write job.
  void settle(gateway_core::SettleInput in);
  // Blocks until every settlement queued before the call is committed (tests, shutdown).
  void flush_settlements();

  // After a kill-switch committed: cuts the agent's open streams, wakes approval polls.
  void on_agent_killed(const std::string& agent_id);

  Proxy& proxy() { return m_proxy; }
  StreamRegistry& streams() { return m_streams; }
  ApprovalBoard& approvals() { return m_board; }
  GovernanceCache& governance() { return m_governance; }

 private:
  void settler_loop();
  void sweeper_loop();
  void sweep_holds(int64_t now);

  daemon::App& m_app;
  Proxy m_proxy;
  StreamRegistry m_streams;
  ApprovalBoard m_board;
  GovernanceCache m_governance;

  std::mutex m_mu;
  std::condition_variable m_cv;                   // settlements queued, a flush done, or stop
  std::deque<gateway_core::SettleInput> m_queue;  // GUARDED_BY(m_mu)
  uint64_t m_queued = 0;                          // GUARDED_BY(m_mu): settlements ever queued
  uint64_t m_done = 0;                            // GUARDED_BY(m_mu): settlements committed
  bool m_stop = false;                            // GUARDED_BY(m_mu)
  std::thread m_settler;
  std::thread m_sweeper;
};

// The runtime of the request's daemon; 503 when the gateway is not running.
Runtime& runtime_of(daemon::Ctx& ctx);
// For the kill-switch handler: cuts streams and wakes polls when a runtime is running.
void on_agent_killed(daemon::App& app, const std::string& agent_id);

}  // namespace secu::gateway
