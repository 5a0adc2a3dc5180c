// raise_listen_backlog: httplib's baked-in backlog of 5 is raised on the live socket. Checked by
// the kernel's behaviour, not by reading a number back: with the accept queue full a connect's
// SYN is dropped (the handshake does not complete), and after the raise new connects complete.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <vector>

#include "server/listen_backlog.hpp"

namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Starts a non-blocking connect; whether its handshake completed within `ms`.
bool connects(int port, std::vector<Fd>& keep, int ms) {
  Fd c(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  REQUIRE(c.fd >= 0);
  auto a = loopback(port);
  const int rc = ::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  bool done = rc == 0;
  if (!done && errno == EINPROGRESS) {
    pollfd p{c.fd, POLLOUT, 0};
    done = ::poll(&p, 1, ms) == 1 && (p.revents & POLLOUT) != 0;
  }
  keep.push_back(std::move(c));
  return done;
}

}  // namespace

TEST_CASE("raise_listen_backlog lets connects complete that a short accept queue drops",
          "[server][backlog]") {
  Fd s(::socket(AF_INET, SOCK_STREAM, 0));
  REQUIRE(s.fd >= 0);
  auto a = loopback(0);
  REQUIRE(::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(s.fd, 1) == 0);  // nobody accepts: the queue holds backlog + 1
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  const int port = ntohs(a.sin_port);

  std::vector<Fd> clients;
  int completed = 0;
  for (int i = 0; i < 4; ++i)
    completed += connects(port, clients, 300) ? 1 : 0;
  CHECK(completed < 4);  // the full queue dropped at least one SYN

  REQUIRE(secu::daemon::raise_listen_backlog(port));
  int after = 0;
  for (int i = 0; i < 8; ++i)
    after += connects(port, clients, 1000) ? 1 : 0;
  CHECK(after == 8);
  CHECK_FALSE(secu::daemon::raise_listen_backlog(port + 1 == 65536 ? 1 : port + 1));
}
