// secuctl asks for passwords on a terminal without echoing them (a real pseudo-terminal).
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;

namespace {

// Runs secuctl on a new pseudo-terminal; answers[i] is typed when `prompt` appears the i-th time.
struct TtyRun {
  int exit_code = -1;
  std::string screen;  // everything the terminal showed
};

TtyRun run_on_tty(const std::vector<std::string>& args, const std::string& config_home,
                  const std::string& prompt, const std::vector<std::string>& answers) {
  int fd = -1;
  const pid_t pid = forkpty(&fd, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setenv("XDG_CONFIG_HOME", config_home.c_str(), 1);
    setenv("HOME", config_home.c_str(), 1);
    std::vector<char*> argv;
    std::string bin = SECUCTL_PATH;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  TtyRun r;
  size_t answered = 0;
  size_t searched = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char buf[512];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;  // EIO once the child closed the terminal
      r.screen.append(buf, static_cast<size_t>(n));
    }
    const auto at = r.screen.find(prompt, searched);
    if (answered < answers.size() && at != std::string::npos) {
      searched = at + prompt.size();
      const std::string line = answers[answered] + "\n";
      REQUIRE(::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
      ++answered;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      break;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fd);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

TEST_CASE("secuctl signup and login prompt for the password without echo", "[cli][auth][tty]") {
  Secud s;
  TempDir home;
  const std::string pw = "typed-on-a-tty-42";
  auto up =
      run_on_tty({"--addr", s.url(), "signup", "--email", "tty@acme.test", "--org-name", "TTY Co"},
                 home.path(), "assword", {pw, pw});
  INFO(up.screen);
  CHECK(up.exit_code == 0);
  CHECK(up.screen.find("Repeat Password") != std::string::npos);  // asked twice
  CHECK(up.screen.find(pw) == std::string::npos);                 // never shown
  CHECK(up.screen.find("tty@acme.test") != std::string::npos);

  auto in = run_on_tty({"--addr", s.url(), "login", "--email", "tty@acme.test"}, home.path(),
                       "Password for", {pw});
  INFO(in.screen);
  CHECK(in.exit_code == 0);
  CHECK(in.screen.find(pw) == std::string::npos);
  CHECK(in.screen.find("tty@acme.test") != std::string::npos);

  // A mistyped confirmation is refused (usage, exit 2) and nothing is created.
  const auto users = row_count(s, "users");
  auto mismatch = run_on_tty({"--addr", s.url(), "signup", "--email", "other@acme.test"},
                             home.path(), "assword", {pw, pw + "x"});
  INFO(mismatch.screen);
  CHECK(mismatch.exit_code == 2);
  CHECK(mismatch.screen.find("do not match") != std::string::npos);
  CHECK(row_count(s, "users") == users);
}
