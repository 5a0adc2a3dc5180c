#include "prompt.hpp"

#include <termios.h>
#include <unistd.h>

#include <istream>
#include <ostream>

namespace secu::cli {

namespace {

// Turns terminal echo off for its lifetime (restored even when reading throws).
class NoEcho {
 public:
  NoEcho() {
    if (::tcgetattr(STDIN_FILENO, &m_saved) != 0) return;
    termios quiet = m_saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    m_active = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~NoEcho() {
    if (m_active) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &m_saved);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  termios m_saved{};
  bool m_active = false;
};

std::string strip_eol(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  return s;
}

// Echo goes off before the prompt appears (as getpass does): whatever is typed after the
// prompt is never shown.
std::string ask(Deps& d, const std::string& prompt) {
  std::string line;
  {
    NoEcho quiet;
    *d.err << prompt << std::flush;
    std::getline(*d.in, line);
  }
  return strip_eol(line);
}

}  // namespace

Result<std::string> read_secret(Deps& d, const std::string& prompt, bool from_stdin, bool confirm) {
  if (from_stdin) {
    std::string line;
    std::getline(*d.in, line);
    line = strip_eol(line);
    if (line.empty()) return Error::invalid("--password-stdin: stdin held no password");
    return line;
  }
  if (!d.stdin_tty) {
    return Error::invalid("no terminal to ask for the password on; pipe it with --password-stdin");
  }
  std::string first = ask(d, prompt + ": ");
  if (first.empty()) return Error::invalid("no password given");
  if (confirm && ask(d, "Repeat " + prompt + ": ") != first) {
    return Error::invalid("the passwords do not match");
  }
  return first;
}

}  // namespace secu::cli
