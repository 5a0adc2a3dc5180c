#include "fixture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace secu::test {

namespace {

std::vector<std::string> environment_with(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // Tests never inherit the developer's secud settings.
  for (auto it = env.begin(); it != env.end();) {
    if (it->first.rfind("SECU_", 0) == 0) {
      it = env.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [k, v] : overrides) {
    if (v.empty()) {
      env.erase(k);
    } else {
      env[k] = v;
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env)
    out.push_back(k + "=" + v);
  return out;
}

// Spawns argv with stdout/stderr appended to files (or captured through pipes by the caller).
int spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
          const std::string& out_path, const std::string& err_path, const std::string& in_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in_path.empty() ? "/dev/null" : in_path.c_str(),
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::vector<char*> a, e;
  for (const auto& s : argv)
    a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  for (const auto& s : env)
    e.push_back(const_cast<char*>(s.c_str()));
  e.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, a[0], &fa, nullptr, a.data(), e.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot spawn " + argv[0]);
  return pid;
}

int wait_exit(int pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    const int r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

// ---- TempDir ---------------------------------------------------------------------------------

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "secu-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  m_path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

unsigned file_mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// ---- Secud -----------------------------------------------------------------------------------

Secud::Secud(SecudOptions opts) : m_opts(std::move(opts)), m_tmp(std::make_unique<TempDir>()) {
  m_data_dir = m_opts.data_dir.empty() ? m_tmp->path() + "/data" : m_opts.data_dir;
  m_log_dir = m_tmp->path();
  start();
}

Secud::~Secud() {
  if (m_pid > 0) stop();
}

void Secud::start() {
  const std::string port_file = m_log_dir + "/port." + std::to_string(++m_runs);
  std::vector<std::string> argv = {SECUD_PATH,   "serve",    "--listen",    "127.0.0.1:0",
                                   "--data-dir", m_data_dir, "--port-file", port_file};
  // Cheap password hashing unless the test sets its own (secud refuses a flag given twice).
  for (const char* flag : {"--argon2-ops", "--argon2-mem-kib"}) {
    if (std::find(m_opts.args.begin(), m_opts.args.end(), flag) == m_opts.args.end()) {
      argv.push_back(flag);
      argv.push_back(std::string(flag) == "--argon2-ops" ? "1" : "64");
    }
  }
  argv.insert(argv.end(), m_opts.args.begin(), m_opts.args.end());
  m_pid =
      spawn(argv, environment_with(m_opts.env), m_log_dir + "/stdout", m_log_dir + "/stderr", "");
  // Wait for the port file, then for /readyz. Sanitizer builds start slower; allow 30 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = -1;
      throw std::runtime_error("secud exited at start:\n" + err());
    }
    const std::string p = slurp(port_file);
    if (!p.empty() && p.back() == '\n') {
      m_port = std::stoi(p);
      if (http(url(), "GET", "/readyz").status == 200) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
  throw std::runtime_error("secud did not become ready:\n" + err());
}

int Secud::stop() {
  if (m_pid <= 0) return -1;
  ::kill(m_pid, SIGTERM);
  int rc = wait_exit(m_pid, std::chrono::seconds(20));
  if (rc < 0) {
    ::kill(m_pid, SIGKILL);
    wait_exit(m_pid, std::chrono::seconds(5));
  }
  m_pid = -1;
  return rc;
}

void Secud::kill9() {
  if (m_pid <= 0) return;
  ::kill(m_pid, SIGKILL);
  wait_exit(m_pid, std::chrono::seconds(5));
  m_pid = -1;
}

bool Secud::tls() const {
  return std::find(m_opts.args.begin(), m_opts.args.end(), "--tls-cert") != m_opts.args.end();
}

std::string Secud::admin_token() const {
  std::string t = slurp(m_data_dir + "/admin.token");
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r'))
    t.pop_back();
  return t;
}

std::string Secud::out() const {
  return slurp(m_log_dir + "/stdout");
}
std::string Secud::err() const {
  return slurp(m_log_dir + "/stderr");
}

// ---- HTTP ------------------------------------------------------------------------------------

std::string Response::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        }))
      return v;
  }
  return "";
}

nlohmann::json Response::json() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error("not JSON: " + body.substr(0, 200));
  return j;
}

Response http(const std::string& base_url, const std::string& method, const std::string& path,
              const std::string& body, const Headers& headers, const std::string& content_type) {
  httplib::Client cli(base_url);
  cli.set_tcp_nodelay(true);
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(60, 0);
  cli.enable_server_certificate_verification(false);
  httplib::Request req;
  req.method = method;
  req.path = path;
  for (const auto& [k, v] : headers)
    req.headers.emplace(k, v);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.body = body;
    req.set_header("Content-Type", content_type);
  }
  auto res = cli.send(req);
  Response r;
  if (!res) return r;
  r.status = res->status;
  r.body = res->body;
  for (const auto& [k, v] : res->headers)
    r.headers.emplace(k, v);
  return r;
}

Response admin(const Secud& s, const std::string& method, const std::string& path,
               const std::string& body) {
  return http(s.url(), method, path, body, {{"X-Secu-Admin-Token", s.admin_token()}});
}

Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// ---- secuctl ---------------------------------------------------------------------------------

RunResult secuctl(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, const std::string& stdin_text) {
  TempDir tmp;
  std::map<std::string, std::string> e = {{"HOME", tmp.path()},
                                          {"XDG_CONFIG_HOME", tmp.path() + "/config"}};
  for (const auto& [k, v] : env)
    e[k] = v;
  std::vector<std::string> argv = {SECUCTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string in_path;
  if (!stdin_text.empty()) {
    in_path = tmp.path() + "/stdin";
    std::ofstream(in_path) << stdin_text;
  }
  const int pid =
      spawn(argv, environment_with(e), tmp.path() + "/out", tmp.path() + "/err", in_path);
  RunResult r;
  r.exit_code = wait_exit(pid, std::chrono::seconds(60));
  r.out = slurp(tmp.path() + "/out");
  r.err = slurp(tmp.path() + "/err");
  return r;
}

}  // namespace secu::test
