// The integration fixture: a real secud on an ephemeral port with a temporary data dir, an HTTP
// client to talk to it, and a runner for the real secuctl binary.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace secu::test {

// A temporary directory, removed with its contents when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

struct SecudOptions {
  // Extra flags. The fixture makes password hashing cheap (--argon2-ops 1 --argon2-mem-kib 64)
  // unless these give their own --argon2-ops / --argon2-mem-kib.
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // extra environment
  std::string data_dir;                    // default: a fresh temporary dir
};

class Secud {
 public:
  explicit Secud(SecudOptions opts = {});
  ~Secud();
  Secud(const Secud&) = delete;
  Secud& operator=(const Secud&) = delete;

  int port() const { return m_port; }
  // https:// when the args give --tls-cert (the fixture's own requests then skip verification;
  // tests of verification go through secuctl).
  std::string url() const {
    return std::string(tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_port);
  }
  bool tls() const;
  const std::string& data_dir() const { return m_data_dir; }
  std::string admin_token() const;
  // What secud printed so far (stdout: the banner; stderr: JSON log lines), all runs.
  std::string out() const;
  std::string err() const;

  // SIGTERM, wait; returns the exit status (or -1 when it did not exit in time).
  int stop();
  void kill9();
  // Starts again on the same data dir (and a new port).
  void start();
  bool running() const { return m_pid > 0; }
  int pid() const { return m_pid; }

 private:
  SecudOptions m_opts;
  std::unique_ptr<TempDir> m_tmp;
  std::string m_data_dir;
  std::string m_log_dir;
  int m_pid = -1;
  int m_port = 0;
  int m_runs = 0;
};

struct Response {
  int status = 0;  // 0: no answer
  std::string body;
  std::multimap<std::string, std::string> headers;
  std::string header(const std::string& name) const;
  nlohmann::json json() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// An https:// base_url is not verified (the fixture's certificates are the test's own).
Response http(const std::string& base_url, const std::string& method, const std::string& path,
              const std::string& body = {}, const Headers& headers = {},
              const std::string& content_type = "application/json");
// With the admin token of `s`.
Response admin(const Secud& s, const std::string& method, const std::string& path,
               const std::string& body = {});
Headers bearer(const std::string& token);

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the secuctl binary with `args`; env entries override (empty value unsets). HOME and
// XDG_CONFIG_HOME point at a private dir unless `env` says otherwise.
RunResult secuctl(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = {},
                  const std::string& stdin_text = {});

// Reads a whole file ("" when absent).
std::string slurp(const std::string& path);
unsigned file_mode(const std::string& path);

}  // namespace secu::test
