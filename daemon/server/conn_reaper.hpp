// A deadline for whole requests, which httplib 0.11 lacks.
//
// httplib's read timeout applies to each read: a client dripping one byte per second (slowloris)
// or a body one byte at a time never trips it and holds its connection (and, in httplib, its
// worker thread) for as long as it likes. The reaper gives every request a total deadline: from
// the moment a connection is accepted, or its previous response was written, until the request
// (head and body) is complete and a handler runs. Past it, the connection is shut down; the
// worker's read fails and httplib closes it. Handlers are never cut (a streamed gateway response
// can take long): the deadline is for what the CLIENT still owes.
//
// httplib does not expose the accepted sockets, so the reaper finds them once a second in
// /proc/self/fd (sockets whose local port is ours and that have a peer) and tells requests apart
// by the peer's address and port, which the middleware reports through the hooks below.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace secu::daemon {

class ConnectionReaper {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConnectionReaper(std::chrono::seconds deadline) : m_deadline(deadline) {}
  ~ConnectionReaper() { stop(); }
  ConnectionReaper(const ConnectionReaper&) = delete;
  ConnectionReaper& operator=(const ConnectionReaper&) = delete;

  // Watches the connections accepted on `port` (the bound port) until stop().
  void start(int port);
  void stop();

  // The request of `peer` ("addr:port") is complete and a handler runs: no deadline.
  void handling(const std::string& peer);
  // The response to `peer` was written: the next request's deadline starts now.
  void responded(const std::string& peer);

  // Connections shut down so far (for the log and the tests' sake).
  int64_t reaped() const;

 private:
  struct PeerState {
    bool handling = false;
    Clock::time_point since;  // when handling began, or when the last response was written
  };
  struct Seen {
    std::string peer;
    Clock::time_point first_seen;
  };
  void loop(int port);
  void scan(int port);

  const std::chrono::seconds m_deadline;
  mutable std::mutex m_mu;
  std::condition_variable m_cv;
  bool m_stop = false;                       // GUARDED_BY(m_mu)
  std::map<std::string, PeerState> m_peers;  // GUARDED_BY(m_mu)
  std::map<int, Seen> m_seen;                // fd → its connection; the scanning thread only
  int64_t m_reaped = 0;                      // GUARDED_BY(m_mu)
  std::thread m_thread;
};

}  // namespace secu::daemon
