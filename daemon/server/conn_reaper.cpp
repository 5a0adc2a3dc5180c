#include "server/conn_reaper.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "secu/log.hpp"

namespace secu::daemon {

namespace {

struct Conn {
  int fd;
  std::string peer;
};

// The port of an AF_INET/AF_INET6 address, or -1.
int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

// "addr:port" as httplib reports remote_addr and remote_port (numeric host).
std::string peer_of(const sockaddr_storage& a) {
  char host[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, host, sizeof host);
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, host, sizeof host);
  }
  return std::string(host) + ":" + std::to_string(port_of(a));
}

// The connected peer of `fd` when it is a TCP connection accepted on `port`, else "".
std::string client_peer(int fd, int port) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return {};
  sockaddr_storage local{}, remote{};
  socklen_t len = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 || port_of(local) != port)
    return {};
  len = sizeof remote;
  // The listening socket has no peer (ENOTCONN).
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &len) != 0) return {};
  return peer_of(remote);
}

std::vector<Conn> client_connections(int port) {
  std::vector<Conn> out;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return out;
  const int own = dirfd(dir);
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const int fd = std::atoi(e->d_name);
    if (fd == own) continue;
    if (auto peer = client_peer(fd, port); !peer.empty()) out.push_back({fd, std::move(peer)});
  }
  closedir(dir);
  return out;
}

}  // namespace

void ConnectionReaper::start(int port) {
  m_thread = std::thread([this, port] { loop(port); });
}

void ConnectionReaper::stop() {
  {
    std::lock_guard<std::mutex> lock(m_mu);
    m_stop = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void ConnectionReaper::handling(const std::string& peer) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_peers[peer] = {true, Clock::now()};
}

void ConnectionReaper::responded(const std::string& peer) {
  std::lock_guard<std::mutex> lock(m_mu);
  m_peers[peer] = {false, Clock::now()};
}

int64_t ConnectionReaper::reaped() const {
  std::lock_guard<std::mutex> lock(m_mu);
  return m_reaped;
}

void ConnectionReaper::loop(int port) {
  std::unique_lock<std::mutex> lock(m_mu);
  while (!m_stop) {
    m_cv.wait_for(lock, std::chrono::seconds(1));
    if (m_stop) break;
    lock.unlock();
    scan(port);
    lock.lock();
  }
}

void ConnectionReaper::scan(int port) {
  const auto started = Clock::now();
  const auto conns = client_connections(port);
  std::map<int, Seen> seen;
  std::map<std::string, bool> live;
  std::vector<Conn> overdue;
  {
    std::lock_guard<std::mutex> lock(m_mu);
    for (const auto& c : conns) {
      live[c.peer] = true;
      auto it = m_seen.find(c.fd);
      // A new connection, or the fd was reused for another one since the last scan.
      Seen s = it != m_seen.end() && it->second.peer == c.peer ? it->second : Seen{c.peer, started};
      seen[c.fd] = s;
      auto p = m_peers.find(c.peer);
      if (p != m_peers.end() && p->second.handling) continue;
      const auto since =
          p != m_peers.end() ? std::max(p->second.since, s.first_seen) : s.first_seen;
      if (started - since > m_deadline) overdue.push_back(c);
    }
    // Forget the peers whose connection is gone; keep entries made during this scan (their
    // connection may have been accepted after /proc was listed).
    for (auto it = m_peers.begin(); it != m_peers.end();) {
      if (!live.count(it->first) && it->second.since < started) {
        it = m_peers.erase(it);
      } else {
        ++it;
      }
    }
  }
  m_seen = std::move(seen);
  for (const auto& c : overdue) {
    // Still the same connection? (The fd may have been closed and reused meanwhile.)
    if (client_peer(c.fd, port) != c.peer) continue;
    ::shutdown(c.fd, SHUT_RDWR);
    {
      std::lock_guard<std::mutex> lock(m_mu);
      ++m_reaped;
    }
    log::warn("connection cut off: request not complete within the deadline",
              {{"remote", c.peer}, {"deadline_s", static_cast<int64_t>(m_deadline.count())}});
  }
}

}  // namespace secu::daemon
