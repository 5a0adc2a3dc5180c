#include "integrations/oidc_client.hpp"
#include "secu/percent.hpp"

#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>

#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/log.hpp"

namespace secu::daemon::oidc {

namespace {

constexpr size_t kMaxBody = 1 << 20;
constexpr int64_t kDiscoveryTtlMs = 3600 * 1000;
constexpr int64_t kDiscoveryStaleMs = 24 * 3600 * 1000;
constexpr int64_t kJwksTtlMs = 3600 * 1000;
constexpr int64_t kJwksMinRefetchMs = 10 * 1000;

Error unavailable(const std::string& what) {
  return Error::make(ErrorKind::kUpstream, "idp_unavailable",
                     "the identity provider is unavailable: " + what);
}

struct Url {
  std::string origin;  // scheme://host[:port]
  std::string target;  // /path?query
  bool https = false;
};

std::optional<Url> split_url(const std::string& url) {
  Url u;
  size_t rest = 0;
  if (url.starts_with("https://")) {
    u.https = true;
    rest = 8;
  } else if (url.starts_with("http://")) {
    rest = 7;
  } else {
    return std::nullopt;
  }
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7f || c == '#' || c == '\\') return std::nullopt;
  const auto slash = url.find_first_of("/?", rest);
  u.origin = url.substr(0, slash);
  if (u.origin.size() == rest || u.origin.find('@', rest) != std::string::npos) return std::nullopt;
  u.target = slash == std::string::npos ? "/" : url.substr(slash);
  if (u.target.front() == '?') u.target = "/" + u.target;
  return u;
}

httplib::Client make_client(const Url& u) {
  httplib::Client c(u.origin);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(10, 0);
  c.set_write_timeout(10, 0);
  c.set_tcp_nodelay(true);
  c.set_follow_location(false);
  return c;
}

struct Fetched {
  int status = 0;
  std::string body;
};

// GET with the body capped at kMaxBody.
Result<Fetched> get(const std::string& url, const httplib::Headers& headers) {
  auto u = split_url(url);
  if (!u) return unavailable("bad URL " + url);
  auto client = make_client(*u);
  Fetched f;
  bool too_big = false;
  auto res = client.Get(u->target, headers, [&](const char* data, size_t len) {
    if (f.body.size() + len > kMaxBody) {
      too_big = true;
      return false;
    }
    f.body.append(data, len);
    return true;
  });
  if (too_big) return unavailable("an answer larger than 1 MiB from " + u->origin);
  if (!res)
    return unavailable("cannot reach " + u->origin + " (" + httplib::to_string(res.error()) + ")");
  f.status = res->status;
  return f;
}

Result<nlohmann::json> json_of(const Fetched& f, const std::string& what) {
  auto j = nlohmann::json::parse(f.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return unavailable(what + " is not a JSON object");
  return j;
}

std::string str_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool endpoint_ok(const std::string& url, bool issuer_https) {
  auto u = split_url(url);
  return u && (u->https || !issuer_https);
}

struct DiscoveryEntry {
  Discovery doc;
  int64_t fetched_at = 0;
};
struct JwksEntry {
  nlohmann::json keys;
  int64_t fetched_at = 0;
  int64_t refreshed_at = 0;  // the last fetch asked for by an unknown kid
};

// The process's caches (see the header).
struct Caches {
  std::mutex mu;
  std::map<std::string, DiscoveryEntry> discovery;  // GUARDED_BY(mu), by issuer
  std::map<std::string, JwksEntry> jwks;            // GUARDED_BY(mu), by jwks_uri
};
Caches& caches() {
  static Caches c;
  return c;
}

Result<Discovery> fetch_discovery(const std::string& issuer) {
  std::string base = issuer;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  SECU_TRY(auto f, get(base + "/.well-known/openid-configuration", {}));
  if (f.status != 200) {
    return unavailable("discovery answered HTTP " + std::to_string(f.status));
  }
  SECU_TRY(auto j, json_of(f, "the discovery document"));
  Discovery d;
  d.issuer = str_of(j, "issuer");
  if (d.issuer != issuer) {
    return unavailable("the discovery document names another issuer (" + d.issuer + ")");
  }
  d.authorization_endpoint = str_of(j, "authorization_endpoint");
  d.token_endpoint = str_of(j, "token_endpoint");
  d.userinfo_endpoint = str_of(j, "userinfo_endpoint");
  d.jwks_uri = str_of(j, "jwks_uri");
  const bool https = issuer.starts_with("https://");
  for (const auto* e : {&d.authorization_endpoint, &d.token_endpoint, &d.jwks_uri}) {
    if (!endpoint_ok(*e, https)) {
      return unavailable("the discovery document lacks a usable endpoint");
    }
  }
  if (!d.userinfo_endpoint.empty() && !endpoint_ok(d.userinfo_endpoint, https)) {
    d.userinfo_endpoint.clear();
  }
  return d;
}

std::string basic_auth(const std::string& id, const std::string& secret) {
  // RFC 6749 §2.3.1: both parts form-encoded before base64.
  return "Basic " + crypto::base64_encode(form_encode(id) + ":" + form_encode(secret));
}

}  // namespace

std::string form_encode(std::string_view s) {
  return percent_encode(s);
}

Result<Discovery> discover(const std::string& issuer) {
  auto& c = caches();
  const int64_t now = now_ms();
  std::optional<DiscoveryEntry> cached;
  {
    std::lock_guard lk(c.mu);
    if (auto it = c.discovery.find(issuer); it != c.discovery.end()) cached = it->second;
  }
  if (cached && now - cached->fetched_at < kDiscoveryTtlMs) return cached->doc;
  auto fresh = fetch_discovery(issuer);
  if (!fresh.ok()) {
    if (cached && now - cached->fetched_at < kDiscoveryStaleMs) {
      log::warn("oidc discovery refresh failed; serving the cached document",
                {{"issuer", issuer}, {"reason", fresh.error().message}});
      return cached->doc;
    }
    return fresh.take_error();
  }
  std::lock_guard lk(c.mu);
  c.discovery[issuer] = {*fresh, now};
  return std::move(*fresh);
}

Result<nlohmann::json> jwks(const Discovery& d, bool refresh) {
  auto& c = caches();
  const int64_t now = now_ms();
  std::optional<JwksEntry> cached;
  {
    std::lock_guard lk(c.mu);
    if (auto it = c.jwks.find(d.jwks_uri); it != c.jwks.end()) cached = it->second;
  }
  if (cached) {
    if (!refresh && now - cached->fetched_at < kJwksTtlMs) return cached->keys;
    if (refresh && now - cached->refreshed_at < kJwksMinRefetchMs) return cached->keys;
  }
  SECU_TRY(auto f, get(d.jwks_uri, {}));
  if (f.status != 200) return unavailable("the JWKS answered HTTP " + std::to_string(f.status));
  SECU_TRY(auto j, json_of(f, "the JWKS"));
  if (!j.contains("keys") || !j["keys"].is_array()) return unavailable("the JWKS has no keys");
  std::lock_guard lk(c.mu);
  c.jwks[d.jwks_uri] = {j, now, refresh ? now : (cached ? cached->refreshed_at : 0)};
  return j;
}

Result<TokenResponse> exchange_code(const Discovery& d, const TokenRequest& req) {
  auto u = split_url(d.token_endpoint);
  if (!u) return unavailable("bad token endpoint");
  std::string body = "grant_type=authorization_code&code=" + form_encode(req.code) +
                     "&redirect_uri=" + form_encode(req.redirect_uri) +
                     "&code_verifier=" + form_encode(req.code_verifier);
  httplib::Headers headers = {{"Accept", "application/json"}};
  if (req.client_secret && !req.secret_in_body) {
    headers.emplace("Authorization", basic_auth(req.client_id, *req.client_secret));
  } else {
    body += "&client_id=" + form_encode(req.client_id);
    if (req.client_secret) body += "&client_secret=" + form_encode(*req.client_secret);
  }
  auto client = make_client(*u);
  auto res = client.Post(u->target, headers, body, "application/x-www-form-urlencoded");
  if (!res) {
    return unavailable("cannot reach the token endpoint (" + httplib::to_string(res.error()) + ")");
  }
  if (res->body.size() > kMaxBody) return unavailable("the token endpoint answered too much");
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status >= 400 && res->status < 500) {
    // The IdP's error code is a fixed vocabulary (RFC 6749 §5.2); its description is not shown.
    std::string code = j.is_object() ? str_of(j, "error") : std::string();
    if (code.empty() || code.size() > 64) code = "HTTP " + std::to_string(res->status);
    return Error::make(ErrorKind::kUnauthenticated, "oidc_code_rejected",
                       "the identity provider refused the authorization code (" + code + ")");
  }
  if (res->status != 200) {
    return unavailable("the token endpoint answered HTTP " + std::to_string(res->status));
  }
  if (j.is_discarded() || !j.is_object()) return unavailable("the token answer is not JSON");
  TokenResponse t;
  t.id_token = str_of(j, "id_token");
  t.access_token = str_of(j, "access_token");
  if (t.id_token.empty()) return unavailable("the token answer holds no ID token");
  return t;
}

Result<nlohmann::json> userinfo(const Discovery& d, const std::string& access_token) {
  if (d.userinfo_endpoint.empty() || access_token.empty()) {
    return nlohmann::json::object();
  }
  SECU_TRY(auto f, get(d.userinfo_endpoint, {{"Authorization", "Bearer " + access_token},
                                             {"Accept", "application/json"}}));
  if (f.status != 200) return unavailable("userinfo answered HTTP " + std::to_string(f.status));
  return json_of(f, "the userinfo answer");
}

}  // namespace secu::daemon::oidc
