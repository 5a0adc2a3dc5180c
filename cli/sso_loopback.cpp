#include "sso_loopback.hpp"

#include <httplib.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "secu/crypto.hpp"

extern char** environ;

namespace secu::cli {

namespace {

// Served at the loopback redirect: hands the fragment's token to secuctl, then clears it from
// the address bar and history.
constexpr const char* kPage = R"html(<!doctype html>
<html><head><meta charset="utf-8"><title>Secu sign-in</title></head>
<body><p id="msg">Finishing sign-in&hellip;</p>
<script>
(function () {
  var m = /[#&]token=([^&]+)/.exec(window.location.hash);
  var msg = document.getElementById("msg");
  if (!m) { msg.textContent = "No token arrived; sign-in failed. Check secuctl's output."; return; }
  history.replaceState(null, "", window.location.pathname);
  var x = new XMLHttpRequest();
  x.open("POST", window.location.pathname + "/token");
  x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
  x.onload = function () { msg.textContent = x.status === 200 ?
    "Signed in. You can close this window and return to the terminal." :
    "secuctl refused the token."; };
  x.send("token=" + m[1]);
})();
</script></body></html>
)html";

bool have_display() {
  const char* x = std::getenv("DISPLAY");
  const char* w = std::getenv("WAYLAND_DISPLAY");
  return (x && *x) || (w && *w);
}

// Opens `url` with xdg-open when a graphical session is there; best effort.
bool open_browser(const std::string& url) {
  if (!have_display() || std::system("command -v xdg-open >/dev/null 2>&1") != 0) return false;
  std::string prog = "xdg-open";
  std::string arg = url;
  char* argv[] = {prog.data(), arg.data(), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 01, 0);  // O_WRONLY
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 01, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "xdg-open", &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return false;
  // xdg-open returns quickly (the browser detaches); reap it so no zombie is left.
  std::thread([pid] {
    int status = 0;
    ::waitpid(pid, &status, 0);
  }).detach();
  return true;
}

}  // namespace

Result<std::string> sso_login(const SsoLoginOptions& o, Deps& d) {
  auto client = d.anonymous_client();
  SECU_TRY(auto enabled, client->call("GET", "/v1/auth/oidc/enabled"));
  if (!enabled.ok()) {
    return Error::make(ErrorKind::kInvalid, "http_" + std::to_string(enabled.status),
                       "secud did not answer /v1/auth/oidc/enabled");
  }
  const auto ej = nlohmann::json::parse(enabled.body, nullptr, false);
  if (!ej.is_object() || !ej.value("enabled", false)) {
    return Error::make(ErrorKind::kInvalid, "oidc_not_configured",
                       "single sign-on is not configured on " + d.addr());
  }

  const std::string path = "/sso/" + crypto::random_token(16);
  std::mutex mu;
  std::condition_variable cv;
  std::string token;  // GUARDED_BY(mu)

  httplib::Server server;
  server.set_tcp_nodelay(true);
  server.Get(path, [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_content(kPage, "text/html; charset=utf-8");
  });
  server.Post(path + "/token", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string t = req.get_param_value("token");
    if (t.empty() || t.size() > 8192) {
      res.status = 400;
      return;
    }
    {
      std::lock_guard lk(mu);
      if (token.empty()) token = t;
    }
    cv.notify_all();
    res.set_content("ok", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) return Error::internal("cannot listen on a loopback port");
  std::thread serving([&server] { server.listen_after_bind(); });
  struct Stop {
    httplib::Server& s;
    std::thread& t;
    ~Stop() {
      s.stop();
      if (t.joinable()) t.join();
    }
  } stop{server, serving};

  const std::string redirect = "http://127.0.0.1:" + std::to_string(port) + path;
  std::string base = d.addr();
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  const std::string start = base + "/v1/auth/oidc/start?redirect_url=" + url_encode(redirect);
  *d.err << "Sign in with " << ej.value("issuer", std::string("your identity provider"))
         << " in a browser:\n\n  " << start << "\n\n";
  if (o.open_browser && open_browser(start)) {
    *d.err << "(opened in your browser)\n";
  }
  *d.err << "Waiting for the browser to come back to " << redirect << " ...\n";
  d.err->flush();

  std::unique_lock lk(mu);
  if (!cv.wait_for(lk, std::chrono::seconds(o.timeout_s), [&] { return !token.empty(); })) {
    return Error::make(ErrorKind::kTimeout, "sso_timeout",
                       "no sign-in came back within " + std::to_string(o.timeout_s) + " s");
  }
  return token;
}

}  // namespace secu::cli
