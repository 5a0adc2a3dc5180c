// secud as a supervised service: sd_notify readiness and stopping, SIGHUP reload.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "support/fixture.hpp"

using namespace secu::test;

namespace {

// A bound unix datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : m_path(path) {
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{10, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() { ::close(m_fd); }
  std::string receive() {
    char buf[4096];
    const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

 private:
  std::string m_path;
  int m_fd = -1;
};

}  // namespace

TEST_CASE("secud tells systemd when it is ready and when it stops", "[service]") {
  TempDir tmp;
  const std::string sock = tmp.path() + "/notify";
  NotifySocket ns(sock);
  Secud s({.args = {}, .env = {{"NOTIFY_SOCKET", sock}}, .data_dir = {}});
  const auto ready = ns.receive();
  CHECK(ready.rfind("READY=1", 0) == 0);
  CHECK(ready.find("STATUS=serving on 127.0.0.1:" + std::to_string(s.port())) != std::string::npos);
  CHECK(s.stop() == 0);
  CHECK(ns.receive() == "STOPPING=1");
}

TEST_CASE("SIGHUP reloads the config file and keeps the old one when the new is bad", "[service]") {
  TempDir tmp;
  const std::string cfg = tmp.path() + "/secud.json";
  std::ofstream(cfg) << R"({"log_level": "info"})";
  Secud s({.args = {"--config", cfg}, .env = {}, .data_dir = {}});
  std::ofstream(cfg) << R"({"log_level": "loud"})";  // invalid
  REQUIRE(s.pid() > 0);
  ::kill(s.pid(), SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(s.err().find("reload failed; keeping the running config") != std::string::npos);
  CHECK(http(s.url(), "GET", "/healthz").status == 200);
  std::ofstream(cfg) << R"({"log_level": "debug"})";
  ::kill(s.pid(), SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(s.err().find("\"config reloaded\"") != std::string::npos);
  CHECK(s.stop() == 0);
}
