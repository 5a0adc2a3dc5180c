// OIDC single sign-on against a real OpenID provider (tests/peers/oidc-provider.js: the npm
// package oidc-provider v8 on 127.0.0.1). The test plays the browser: it follows secud's
// redirect to the provider, fills in the provider's development login and consent forms,
// follows the redirects back to secud's callback and checks what secud answers. The defective
// ID tokens a well-behaved provider never issues come from the peer's test switch, which
// rewrites (and signs again) the ID token of its next token response.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "support/api.hpp"
#include "support/browser.hpp"
#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"
#include "support/peers.hpp"

extern char** environ;

using namespace secu::test;
using nlohmann::json;

namespace {

struct SsoOptions {
  std::string client_id = "secu-es";  // public client, ES256 ID tokens
  bool with_secret = false;           // --oidc-client-secret-file (secu-rs, secu-post)
  bool email_in_id_token = false;     // else only userinfo has the email
  json extra = json::object();        // more config (console_url, oidc_allowed_domains…)
};

// An IdP and a secud configured for it, with the SSO org made through the API. The org id is
// only known once secud runs, so the config file gains oidc_org and secud reloads it (SIGHUP).
class Sso {
 public:
  explicit Sso(const SsoOptions& o = {}) {
    json cfg = o.extra;
    cfg["oidc_issuer"] = idp.issuer();
    cfg["oidc_client_id"] = o.client_id;
    if (o.with_secret) {
      const std::string secret_file = tmp.path() + "/oidc-secret";
      std::ofstream(secret_file) << kOidcClientSecret << "\n";
      cfg["oidc_client_secret_file"] = secret_file;
    }
    m_config = tmp.path() + "/secud.json";
    std::ofstream(m_config) << cfg.dump();
    s = std::make_unique<Secud>(SecudOptions{.args = {"--config", m_config}});
    org_id = make_org(*s, "Acme SSO");
    cfg["oidc_org"] = org_id;
    reload(cfg);
    idp.setup(callback_url(), o.email_in_id_token);
  }

  // Rewrites the config file and waits until secud runs with it.
  void reload(const json& cfg) {
    std::ofstream(m_config) << cfg.dump();
    ::kill(s->pid(), SIGHUP);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = http(s->url(), "GET", "/v1/auth/oidc/enabled");
      if (r.status == 200 && r.json().value("enabled", false) == cfg.contains("oidc_org")) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("secud did not reload its config");
  }

  std::string callback_url() const { return s->url() + "/v1/auth/oidc/callback"; }
  std::string start_url(const std::string& query = "") const {
    return s->url() + "/v1/auth/oidc/start" + query;
  }

  // The browser's trip from start to the IdP and back, up to (not including) the callback.
  std::string to_callback(Browser& b, const std::string& login, const std::string& query = "") {
    return b.run_until(start_url(query), login, callback_url());
  }
  // The whole trip: secud's answer to the callback.
  Response sign_in(const std::string& login, const std::string& query = "") {
    Browser b;
    return b.get(to_callback(b, login, query));
  }

  int64_t sessions() const { return row_count(*s, "sessions"); }
  int64_t audited(const std::string& action) const {
    return row_count(*s, "audit_log", "action = '" + action + "'");
  }

  TempDir tmp;
  OidcPeer idp;
  std::unique_ptr<Secud> s;
  std::string org_id;

 private:
  std::string m_config;
};

std::string oidc_fragment_token(const std::string& location) {
  const auto pos = location.find("#token=");
  return pos == std::string::npos ? "" : location.substr(pos + 7);
}

json me(const Secud& s, const std::string& token) {
  auto r = http(s.url(), "GET", "/v1/auth/me", "", bearer(token));
  REQUIRE(r.status == 200);
  return r.json();
}

// A failed callback: the status, the code, a message, and no token anywhere in the answer.
void check_refused(const Response& r, int status, const std::string& code,
                   const std::string& message_part = "") {
  INFO(r.body);
  CHECK(r.status == status);
  const auto j = r.json();
  CHECK(j["error"]["code"] == code);
  CHECK(!j["error"].value("message", "").empty());
  CHECK(j["error"].contains("request_id"));
  if (!message_part.empty()) {
    CHECK(j["error"]["message"].get<std::string>().find(message_part) != std::string::npos);
  }
  CHECK(!j.contains("token"));
  CHECK(r.body.find("eyJ") == std::string::npos);  // no JWT anywhere
  CHECK(r.header("Location").empty());
}

#define NEEDS_NODE_PEERS()                                                                \
  do {                                                                                    \
    if (!node_peers_available()) {                                                        \
      WARN("skipped: run packaging/install-deps.sh (node and tests/peers/node_modules)"); \
      return;                                                                             \
    }                                                                                     \
  } while (0)

}  // namespace

TEST_CASE("oidc enabled: {enabled:false} unconfigured, {enabled, issuer} configured",
          "[auth][oidc]") {
  {
    Secud plain;
    auto r = http(plain.url(), "GET", "/v1/auth/oidc/enabled");
    REQUIRE(r.status == 200);
    CHECK(r.json() == json{{"enabled", false}});
    // Unconfigured, start and callback answer a clear 400 and send nobody anywhere.
    check_refused(http(plain.url(), "GET", "/v1/auth/oidc/start"), 400, "oidc_not_configured");
    check_refused(http(plain.url(), "GET", "/v1/auth/oidc/callback?code=x&state=y"), 400,
                  "oidc_not_configured");
  }
  NEEDS_NODE_PEERS();
  Sso sso({.client_id = "secu-rs", .with_secret = true});
  auto r = http(sso.s->url(), "GET", "/v1/auth/oidc/enabled");
  REQUIRE(r.status == 200);
  CHECK(r.json() == json{{"enabled", true}, {"issuer", sso.idp.issuer()}});
  CHECK(r.body.find(kOidcClientSecret) == std::string::npos);
  CHECK(r.body.find("secu-rs") == std::string::npos);
}

TEST_CASE("oidc start: 302 to the IdP with state, nonce and PKCE S256 and no open redirect",
          "[auth][oidc]") {
  NEEDS_NODE_PEERS();
  Sso sso;
  auto r = http(sso.s->url(), "GET", "/v1/auth/oidc/start");
  REQUIRE(r.status == 302);
  const std::string loc = r.header("Location");
  CHECK(loc.rfind(sso.idp.issuer() + "/auth?", 0) == 0);
  CHECK(query_param(loc, "response_type") == "code");
  CHECK(query_param(loc, "client_id") == "secu-es");
  CHECK(query_param(loc, "redirect_uri") == sso.callback_url());
  CHECK(query_param(loc, "scope") == "openid email");
  CHECK(query_param(loc, "code_challenge_method") == "S256");
  CHECK(query_param(loc, "code_challenge").size() == 43);
  CHECK(query_param(loc, "state").size() == 43);
  CHECK(query_param(loc, "nonce").size() == 43);
  CHECK(r.header("Cache-Control") == "no-store");
  // Stored hashed: neither the state nor the nonce is in the database.
  const std::string db = database_bytes(*sso.s);
  CHECK(db.find(query_param(loc, "state")) == std::string::npos);
  CHECK(db.find(query_param(loc, "nonce")) == std::string::npos);
  CHECK(row_count(*sso.s, "oidc_states") == 1);

  // Another origin as redirect_url is refused before anything is stored.
  for (const std::string bad : {"https://evil.example/", "//evil.example", "javascript:alert(1)",
                                "http://127.0.0.1.evil.example:80/", "http://127.0.0.1:99@evil/"}) {
    INFO(bad);
    auto refused =
        http(sso.s->url(), "GET", "/v1/auth/oidc/start?redirect_url=" + form_encode(bad));
    CHECK(refused.status == 400);
    CHECK(refused.json()["error"]["field"] == "redirect_url");
    CHECK(refused.header("Location").empty());
  }
  CHECK(row_count(*sso.s, "oidc_states") == 1);
  // A loopback URL (secuctl login --sso) is admitted.
  auto loop = http(sso.s->url(), "GET",
                   "/v1/auth/oidc/start?redirect_url=" + form_encode("http://127.0.0.1:4567/cb"));
  CHECK(loop.status == 302);
}

TEST_CASE("oidc sign-in creates a new user in the SSO org whose token answers /v1/auth/me",
          "[auth][oidc]") {
  NEEDS_NODE_PEERS();
  Sso sso;  // ES256, public client, email from userinfo, no console URL: 200 with the session
  auto r = sso.sign_in("alice@example.com");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.header("Cache-Control") == "no-store");
  const auto j = r.json();
  const std::string token = j["token"];
  CHECK(j["user"]["email"] == "alice@example.com");
  CHECK(j["user"]["org_id"] == sso.org_id);
  CHECK(j["user"]["role"] == "member");
  CHECK(j["user"]["email_verified"] == true);
  CHECK(j["org"]["id"] == sso.org_id);
  const auto who = me(*sso.s, token);
  CHECK(who["type"] == "user");
  CHECK(who["user"]["email"] == "alice@example.com");
  CHECK(who["user"]["id"] == j["user"]["id"]);
  CHECK(who["org"]["id"] == sso.org_id);
  CHECK(sso.audited("auth.oidc.login") == 1);
  CHECK(sso.audited("auth.oidc.fail") == 0);
  CHECK(http(sso.s->url(), "GET", "/v1/audit/verify", "",
             {{"X-Secu-Admin-Token", sso.s->admin_token()}})
            .json()["ok"] == true);
  // SSO users have no password: the password login does not work for them.
  CHECK(login_token(*sso.s, "alice@example.com", "") == "");
  // Signing in again is the same user, not a second one.
  auto again = sso.sign_in("alice@example.com");
  REQUIRE(again.status == 200);
  CHECK(again.json()["user"]["id"] == j["user"]["id"]);
  CHECK(row_count(*sso.s, "users", "email = 'alice@example.com'") == 1);
}

TEST_CASE("oidc sign-in of an existing user keeps the user and role (RS256 with a client secret)",
          "[auth][oidc]") {
  NEEDS_NODE_PEERS();
  for (const std::string client : {"secu-rs", "secu-post"}) {
    DYNAMIC_SECTION(client) {
      json extra = {{"console_url", "https://console.example.test/app"}};
      if (client == "secu-post") extra["oidc_token_auth_method"] = "client_secret_post";
      Sso sso(
          {.client_id = client, .with_secret = true, .email_in_id_token = true, .extra = extra});
      const auto bob = add_user(*sso.s, sso.org_id, "bob@example.com", "approver");
      auto r = sso.sign_in("bob@example.com");
      INFO(r.body);
      REQUIRE(r.status == 302);
      const std::string loc = r.header("Location");
      CHECK(loc.rfind("https://console.example.test/app#token=", 0) == 0);
      const auto who = me(*sso.s, oidc_fragment_token(loc));
      CHECK(who["user"]["id"] == bob.user_id);
      CHECK(who["role"] == "approver");
      CHECK(row_count(*sso.s, "users") == 1);
      // The console's allow-listed path may be asked for; it gets the token the same way.
      auto deep = sso.sign_in("bob@example.com",
                              "?redirect_url=" + form_encode("https://console.example.test/app/x"));
      REQUIRE(deep.status == 302);
      CHECK(deep.header("Location").rfind("https://console.example.test/app/x#token=", 0) == 0);
      // The client secret and the tokens reach neither the logs nor the audit details.
      const std::string logs = sso.s->err() + sso.s->out();
      CHECK(logs.find(kOidcClientSecret) == std::string::npos);
      CHECK(logs.find(oidc_fragment_token(loc)) == std::string::npos);
      const std::string db = database_bytes(*sso.s);
      CHECK(db.find(kOidcClientSecret) == std::string::npos);
      CHECK(db.find(oidc_fragment_token(loc)) == std::string::npos);
    }
  }
}

TEST_CASE("oidc callback with a wrong or replayed state issues no token", "[auth][oidc]") {
  NEEDS_NODE_PEERS();
  Sso sso;
  SECTION("wrong state") {
    Browser b;
    const std::string cb = sso.to_callback(b, "carol@example.com");
    const std::string state = query_param(cb, "state");
    std::string forged = cb;
    forged.replace(forged.find(state), state.size(), std::string(state.size(), 'A'));
    check_refused(b.get(forged), 400, "invalid_state");
    // No state at all.
    check_refused(b.get(sso.callback_url() + "?code=" + query_param(cb, "code")), 400,
                  "invalid_state");
    CHECK(sso.sessions() == 0);
    CHECK(sso.audited("auth.oidc.fail") == 2);
    // Oversized parameters are refused before anything is looked up.
    auto big = b.get(sso.callback_url() + "?code=c&state=" + std::string(300, 'A'));
    CHECK(big.status == 400);
    CHECK(big.json()["error"]["field"] == "state");
  }
  SECTION("no code") {
    Browser b;
    const std::string cb = sso.to_callback(b, "carol@example.com");
    auto r = b.get(sso.callback_url() + "?state=" + query_param(cb, "state"));
    check_refused(r, 400, "invalid_request");
    CHECK(r.json()["error"]["field"] == "code");
    CHECK(sso.sessions() == 0);
  }
  SECTION("replayed state") {
    Browser b;
    const std::string cb = sso.to_callback(b, "carol@example.com");
    REQUIRE(b.get(cb).status == 200);
    CHECK(sso.sessions() == 1);
    check_refused(b.get(cb), 400, "invalid_state");
    CHECK(sso.sessions() == 1);
    CHECK(sso.audited("auth.oidc.fail") == 1);
  }
  SECTION("expired state") {
    Browser b;
    const std::string cb = sso.to_callback(b, "carol@example.com");
    exec_sql(*sso.s, "UPDATE oidc_states SET expires_at = 0");
    check_refused(b.get(cb), 400, "invalid_state");
    CHECK(sso.sessions() == 0);
  }
  SECTION("the IdP answers an error") {
    auto start = http(sso.s->url(), "GET", "/v1/auth/oidc/start");
    const std::string state = query_param(start.header("Location"), "state");
    check_refused(
        http(sso.s->url(), "GET", "/v1/auth/oidc/callback?error=access_denied&state=" + state), 401,
        "oidc_denied", "access_denied");
    CHECK(sso.sessions() == 0);
  }
}

TEST_CASE("oidc refuses defective ID tokens: bad nonce, expired, unknown key, wrong audience",
          "[auth][oidc]") {
  NEEDS_NODE_PEERS();
  struct Case {
    const char* client;
    const char* mode;
    const char* message;
  };
  for (const auto& c :
       {Case{"secu-es", "bad_nonce", "nonce"}, Case{"secu-rs", "bad_nonce", "nonce"},
        Case{"secu-es", "expired", "expired"}, Case{"secu-rs", "expired", "expired"},
        Case{"secu-es", "unknown_key", "key"}, Case{"secu-rs", "unknown_key", "key"},
        Case{"secu-es", "wrong_aud", "audience"}, Case{"secu-es", "alg_none", "alg none"},
        Case{"secu-rs", "hs256", "HMAC"}}) {
    DYNAMIC_SECTION(c.client << " " << c.mode) {
      Sso sso({.client_id = c.client, .with_secret = std::string(c.client) != "secu-es"});
      sso.idp.next_id_token(c.mode);
      check_refused(sso.sign_in("dave@example.com"), 401, "invalid_id_token", c.message);
      CHECK(sso.sessions() == 0);
      CHECK(row_count(*sso.s, "users") == 0);
      CHECK(sso.audited("auth.oidc.fail") == 1);
      CHECK(sso.audited("auth.oidc.login") == 0);
      // The switch is spent: the next sign-in works (the ID token was the only defect).
      CHECK(sso.sign_in("dave@example.com").status == 200);
    }
  }
}

TEST_CASE("oidc follows a key rotation: an unknown kid fetches the JWKS again", "[auth][oidc]") {
  NEEDS_NODE_PEERS();
  Sso sso;
  REQUIRE(sso.sign_in("kim@example.com").status == 200);  // the JWKS (es-1, rs-1) is cached
  sso.idp.next_id_token("rotated_key");                   // es-2 published and used
  auto r = sso.sign_in("kim@example.com");
  INFO(r.body);
  CHECK(r.status == 200);
  // A kid that stays unknown after the refetch is refused (and not fetched again at once).
  sso.idp.next_id_token("unknown_key");
  check_refused(sso.sign_in("kim@example.com"), 401, "invalid_id_token", "does not publish");
}

TEST_CASE("oidc refuses a disallowed domain and an unverified email", "[auth][oidc]") {
  NEEDS_NODE_PEERS();
  Sso sso({.extra = {{"oidc_allowed_domains", "corp.example, @Other.Example"},
                     {"oidc_default_role", "viewer"}}});
  check_refused(sso.sign_in("erin@example.com"), 403, "domain_not_allowed", "example.com");
  check_refused(sso.sign_in("unverified@corp.example"), 403, "email_not_verified");
  CHECK(sso.sessions() == 0);
  CHECK(row_count(*sso.s, "users") == 0);
  CHECK(sso.audited("auth.oidc.fail") == 2);
  auto ok = sso.sign_in("erin@corp.example");
  REQUIRE(ok.status == 200);
  CHECK(ok.json()["user"]["role"] == "viewer");
  CHECK(sso.sign_in("frank@other.example").status == 200);
}

TEST_CASE("oidc failed callbacks count as failed logins of the address (429)", "[auth][oidc]") {
  NEEDS_NODE_PEERS();
  Sso sso({.extra = {{"login_max_attempts", 3}}});
  for (int i = 0; i < 3; ++i) {
    check_refused(http(sso.s->url(), "GET", "/v1/auth/oidc/callback?code=c&state=forged"), 400,
                  "invalid_state");
  }
  auto r = http(sso.s->url(), "GET", "/v1/auth/oidc/callback?code=c&state=forged");
  check_refused(r, 429, "too_many_attempts");
  CHECK(!r.header("Retry-After").empty());
  CHECK(sso.audited("auth.oidc.fail") == 3);  // the 429 itself writes nothing
  // Starts have their own, looser limit (6 × login_max_attempts per window).
  int started = 0;
  while (started < 30 && http(sso.s->url(), "GET", "/v1/auth/oidc/start").status == 302)
    ++started;
  CHECK(started == 18);
  CHECK(http(sso.s->url(), "GET", "/v1/auth/oidc/start").status == 429);
}

TEST_CASE("oidc refuses a user of another org", "[auth][oidc]") {
  NEEDS_NODE_PEERS();
  Sso sso;
  const std::string other = make_org(*sso.s, "Other");
  add_user(*sso.s, other, "gina@example.com", "owner");
  check_refused(sso.sign_in("gina@example.com"), 403, "sso_user_other_org");
  CHECK(row_count(*sso.s, "sessions") == 1);  // add_user's own login only
}

TEST_CASE("oidc with the IdP down: start and callback answer 502 and issue no token",
          "[auth][oidc]") {
  NEEDS_NODE_PEERS();
  SECTION("down before start") {
    Sso sso;
    sso.idp.stop();
    // A bad redirect_url is still the caller's 400, whatever the IdP's state.
    auto bad =
        http(sso.s->url(), "GET", "/v1/auth/oidc/start?redirect_url=https%3A%2F%2Fevil.example");
    CHECK(bad.status == 400);
    CHECK(sso.audited("auth.oidc.fail") == 0);
    check_refused(http(sso.s->url(), "GET", "/v1/auth/oidc/start"), 502, "idp_unavailable");
    CHECK(sso.audited("auth.oidc.fail") == 1);
  }
  SECTION("down between the login and the callback") {
    Sso sso;
    Browser b;
    const std::string cb = sso.to_callback(b, "hank@example.com");
    sso.idp.stop();
    check_refused(b.get(cb), 502, "idp_unavailable");
    CHECK(sso.sessions() == 0);
    CHECK(row_count(*sso.s, "users") == 0);
  }
}

namespace {

// secuctl running in the background (login --sso waits for the browser), output to files.
class BackgroundSecuctl {
 public:
  BackgroundSecuctl(const std::vector<std::string>& args, const std::string& home) {
    std::vector<std::string> argv = {SECUCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> envs = {"HOME=" + home, "XDG_CONFIG_HOME=" + home + "/config",
                                     "PATH=/usr/bin:/bin"};  // no DISPLAY: no browser
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    std::vector<char*> a, e;
    for (auto& s : argv)
      a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : envs)
      e.push_back(s.data());
    e.push_back(nullptr);
    REQUIRE(posix_spawn(&m_pid, SECUCTL_PATH, &fa, nullptr, a.data(), e.data()) == 0);
    posix_spawn_file_actions_destroy(&fa);
  }
  ~BackgroundSecuctl() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
  }
  std::string out_path() const { return m_dir.path() + "/out"; }
  std::string err_path() const { return m_dir.path() + "/err"; }
  // Waits for stderr to show the start URL; returns it.
  std::string wait_for_url() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string err = slurp(err_path());
      const auto at = err.find("/v1/auth/oidc/start");
      if (at != std::string::npos) {
        const auto begin = err.rfind(' ', at) + 1;
        return err.substr(begin, err.find_first_of(" \n", at) - begin);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("secuctl printed no URL: " << slurp(err_path()));
    return {};
  }
  int wait() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int status = 0;
    while (::waitpid(m_pid, &status, WNOHANG) != m_pid) {
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    m_pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  TempDir m_dir;
  pid_t m_pid = -1;
};

}  // namespace

TEST_CASE("secuctl login --sso: the browser brings the session back to a loopback port",
          "[auth][oidc][cli]") {
  NEEDS_NODE_PEERS();
  Sso sso({.extra = {{"console_url", "https://console.example.test/"}}});
  TempDir home;
  const std::map<std::string, std::string> env = {{"HOME", home.path()},
                                                  {"XDG_CONFIG_HOME", home.path() + "/config"}};
  auto status = secuctl({"--addr", sso.s->url(), "auth", "oidc", "status", "-o", "json"}, env);
  REQUIRE(status.exit_code == 0);
  CHECK(json::parse(status.out) == json{{"enabled", true}, {"issuer", sso.idp.issuer()}});

  BackgroundSecuctl cli(
      {"--addr", sso.s->url(), "login", "--sso", "--no-browser", "--timeout", "60"}, home.path());
  const std::string start = cli.wait_for_url();
  CHECK(start.rfind(sso.start_url("?redirect_url=http%3A%2F%2F127.0.0.1%3A"), 0) == 0);
  // The person's browser: the IdP's forms, secud's callback, then secuctl's loopback page.
  Browser b;
  const auto done = b.get(b.run_until(start, "ivy@example.com", sso.callback_url()));
  REQUIRE(done.status == 302);
  const std::string loopback = done.header("Location");
  REQUIRE(loopback.rfind("http://127.0.0.1:", 0) == 0);
  const auto token = oidc_fragment_token(loopback);
  REQUIRE(!token.empty());
  const auto page = b.get(loopback);  // the fragment stays in the browser
  REQUIRE(page.status == 200);
  CHECK(page.body.find("/token") != std::string::npos);
  // What the page's script does with the fragment.
  const std::string base = loopback.substr(0, loopback.find('#'));
  CHECK(b.post_form(base + "/token", {{"token", token}}).status == 200);
  REQUIRE(cli.wait() == 0);
  CHECK(slurp(cli.out_path()).find("ivy@example.com") != std::string::npos);
  // The session is stored: later commands run as the SSO user.
  auto who = secuctl({"--addr", sso.s->url(), "whoami", "-o", "json"}, env);
  INFO(who.err);
  REQUIRE(who.exit_code == 0);
  CHECK(json::parse(who.out)["user"]["email"] == "ivy@example.com");
}

TEST_CASE("secuctl auth oidc status and login --sso without SSO configured", "[auth][oidc][cli]") {
  Secud s;
  auto status = secuctl({"--addr", s.url(), "auth", "oidc", "status", "-o", "json"});
  REQUIRE(status.exit_code == 0);
  CHECK(json::parse(status.out) == json{{"enabled", false}});
  auto login = secuctl({"--addr", s.url(), "login", "--sso", "--no-browser", "--timeout", "5"});
  CHECK(login.exit_code == 2);
  CHECK(login.err.find("not configured") != std::string::npos);
  auto both = secuctl({"--addr", s.url(), "login", "--sso", "--email", "a@b.example"});
  CHECK(both.exit_code == 2);
}
