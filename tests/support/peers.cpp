#include "peers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "fixture.hpp"

extern char** environ;

namespace secu::test {

namespace fs = std::filesystem;

std::string peers_dir() {
  // This file is tests/support/peers.cpp. With ccache's base_dir, __FILE__ is relative to the
  // build dir (../../tests/support/peers.cpp), not to the working directory (ctest runs in
  // <build>/tests): resolve it against the build dir, the grandparent of secud's path.
  fs::path dir = fs::path(__FILE__).parent_path().parent_path() / "peers";
  if (dir.is_relative()) dir = fs::path(SECUD_PATH).parent_path().parent_path() / dir;
  return dir.lexically_normal().string();
}

bool node_peers_available() {
  const bool ok = fs::exists(fs::path(peers_dir()) / "node_modules") &&
                  std::system("node --version >/dev/null 2>&1") == 0;
  if (ok) return true;
  // A missing peer must not turn its tests into silent passes: it fails unless the run
  // says on purpose that peer tests may be skipped.
  const char* allow = std::getenv("SECU_ALLOW_PEER_SKIP");
  if (allow && std::string(allow) == "1") return false;
  throw std::runtime_error("the npm test peers are missing (" + peers_dir() +
                           "/node_modules, node): run packaging/install-deps.sh, or set "
                           "SECU_ALLOW_PEER_SKIP=1 to skip these tests");
}

NodePeer::NodePeer(const std::string& script, const std::vector<std::string>& args)
    : m_tmp(std::make_unique<TempDir>()) {
  const std::string out = m_tmp->path() + "/stdout";
  const std::string err = m_tmp->path() + "/stderr";
  std::vector<std::string> argv = {"node", peers_dir() + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> a;
  for (auto& s : argv)
    a.push_back(s.data());
  a.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "node", &fa, nullptr, a.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot spawn node for " + script);
  m_pid = pid;
  // Node starts in ~0.1-2 s depending on load; allow 20 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = -1;
      throw std::runtime_error("peer " + script + " exited at start:\n" + slurp(err));
    }
    const std::string o = slurp(out);
    const auto nl = o.find('\n');
    if (nl != std::string::npos) {
      m_port = std::stoi(o.substr(0, nl));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw std::runtime_error("peer " + script + " did not print its port:\n" + slurp(err));
}

NodePeer::~NodePeer() {
  stop();
}

void NodePeer::stop() {
  if (m_pid <= 0) return;
  ::kill(m_pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(m_pid, &status, WNOHANG) != m_pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  m_pid = -1;
}

std::string NodePeer::out() const {
  return slurp(m_tmp->path() + "/stdout");
}
std::string NodePeer::err() const {
  return slurp(m_tmp->path() + "/stderr");
}

SmtpSink::SmtpSink(bool require_auth) : m_dir(std::make_unique<TempDir>()) {
  std::vector<std::string> args = {m_dir->path()};
  if (require_auth) args.push_back("--require-auth");
  m_peer = std::make_unique<NodePeer>("smtp-sink.js", args);
}

SmtpSink::~SmtpSink() = default;

int SmtpSink::port() const {
  return m_peer->port();
}

std::string SmtpSink::url() const {
  return "smtp://127.0.0.1:" + std::to_string(port());
}

std::vector<nlohmann::json> SmtpSink::messages() const {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(m_dir->path())) {
    const auto name = e.path().filename().string();
    if (name.rfind("msg-", 0) == 0 && e.path().extension() == ".json") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::vector<nlohmann::json> out;
  for (const auto& n : names)
    out.push_back(nlohmann::json::parse(slurp(m_dir->path() + "/" + n)));
  return out;
}

std::vector<nlohmann::json> SmtpSink::wait_for(size_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto got = messages();
    if (got.size() >= n || std::chrono::steady_clock::now() > deadline) return got;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

OidcPeer::OidcPeer() : m_peer(std::make_unique<NodePeer>("oidc-provider.js")) {}
OidcPeer::~OidcPeer() = default;

int OidcPeer::port() const {
  return m_peer->port();
}

std::string OidcPeer::issuer() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

void OidcPeer::setup(const std::string& redirect_uri, bool email_in_id_token) {
  const nlohmann::json body = {{"redirect_uri", redirect_uri},
                               {"client_secret", kOidcClientSecret},
                               {"email_in_id_token", email_in_id_token}};
  const auto r = http(issuer(), "POST", "/__test/setup", body.dump());
  if (r.status != 200) {
    throw std::runtime_error("oidc-provider setup failed: " + r.body + "\n" + m_peer->err());
  }
}

void OidcPeer::next_id_token(const std::string& mode) {
  const auto r =
      http(issuer(), "POST", "/__test/next-id-token", nlohmann::json{{"mode", mode}}.dump());
  if (r.status != 200) throw std::runtime_error("oidc-provider switch failed: " + r.body);
}

void OidcPeer::stop() {
  m_peer->stop();
}

std::string first_url(const std::string& text) {
  auto pos = text.find("http://");
  const auto s = text.find("https://");
  if (pos == std::string::npos || (s != std::string::npos && s < pos)) pos = s;
  if (pos == std::string::npos) return {};
  auto end = text.find_first_of(" \t\r\n", pos);
  return text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

// ---- StripeServer ----

StripeServer::StripeServer() : m_peer(std::make_unique<NodePeer>("stripe-server.js")) {}

StripeServer::~StripeServer() = default;

int StripeServer::port() const {
  return m_peer->port();
}

std::string StripeServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

nlohmann::json StripeServer::get(const std::string& path) const {
  auto r = http(url(), "GET", path, {}, {{"Authorization", std::string("Bearer ") + kSecretKey}});
  return nlohmann::json::parse(r.body, nullptr, false);
}

nlohmann::json StripeServer::del(const std::string& path) const {
  auto r =
      http(url(), "DELETE", path, {}, {{"Authorization", std::string("Bearer ") + kSecretKey}});
  return nlohmann::json::parse(r.body, nullptr, false);
}

std::vector<nlohmann::json> StripeServer::requests() const {
  auto r = http(url(), "GET", "/__control/requests");
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::vector<nlohmann::json> out;
  if (j.is_array())
    for (auto& e : j)
      out.push_back(e);
  return out;
}

void StripeServer::fail_next(const std::string& method, const std::string& path, int status,
                             const nlohmann::json& error, int times) const {
  http(url(), "POST", "/__control/fail",
       nlohmann::json{{"method", method},
                      {"path", path},
                      {"status", status},
                      {"error", error},
                      {"times", times}}
           .dump());
}

void StripeServer::hold(const std::string& method, const std::string& path) const {
  http(url(), "POST", "/__control/hold", nlohmann::json{{"method", method}, {"path", path}}.dump());
}

bool StripeServer::wait_held(int n, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto j = nlohmann::json::parse(http(url(), "GET", "/__control/held").body, nullptr, false);
    if (j.is_object() && j.value("held", 0) >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void StripeServer::release() const {
  http(url(), "POST", "/__control/release", "{}");
}

}  // namespace secu::test
