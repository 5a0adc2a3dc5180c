// The gateway's streaming proxy against a real upstream httplib::Server and a real front
// httplib::Server wired to gateway::Proxy, both on 127.0.0.1:0 inside the test process:
// credential injection per auth_type, header hygiene, exact paths, large streams with bounded
// memory, upstream down / slow / broken, cancellation, pooling, metering callback.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "gateway/proxy.hpp"
#include "gateway/upstream.hpp"
#include "secu/crypto.hpp"

using namespace secu;
using namespace secu::gateway;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// AddressSanitizer keeps freed memory in quarantine (256 MB), so RSS says nothing about our
// buffering there: the memory bounds are checked in the normal build, and the sanitizer build
// moves less data (it is 5-10 times slower).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// An httplib server on 127.0.0.1:0 running on its own thread.
struct TestServer {
  httplib::Server svr;
  std::thread th;
  int port = 0;

  void start() {
    svr.set_tcp_nodelay(true);
    svr.set_keep_alive_timeout(1);  // so stop() does not wait on idle keep-alive connections
    port = svr.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    th = std::thread([this] { svr.listen_after_bind(); });
    for (int i = 0; i < 200 && !svr.is_running(); ++i)
      std::this_thread::sleep_for(5ms);
    REQUIRE(svr.is_running());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  ~TestServer() {
    svr.stop();
    if (th.joinable()) th.join();
  }
};

nlohmann::json headers_json(const httplib::Headers& h) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : h)
    j[k].push_back(v);
  return j;
}

// The upstream vendor: echo, big streams, slow, broken, infinite, no content, costs.
struct VendorUpstream {
  TestServer server;
  std::atomic<int> connections_seen{0};

  VendorUpstream() {
    auto& s = server.svr;
    auto echo = [](const httplib::Request& req, httplib::Response& res) {
      nlohmann::json j = {{"method", req.method},
                          {"target", req.target},
                          {"headers", headers_json(req.headers)},
                          {"body", req.body}};
      res.set_header("X-Vendor", "v");
      res.set_content(j.dump(), "application/json");
    };
    s.Get("/base/echo.*", echo);
    s.Post("/base/echo.*", echo);
    s.Put("/base/echo.*", echo);
    s.Delete("/base/echo.*", echo);
    s.Patch("/base/echo.*", echo);
    s.Options("/base/echo.*", echo);
    s.Get("/base/big", [](const httplib::Request& req, httplib::Response& res) {
      const size_t total = std::stoull(req.get_param_value("n"));
      res.set_chunked_content_provider("application/octet-stream",
                                       [total](size_t offset, httplib::DataSink& sink) {
                                         static const std::string block(64 * 1024, 'x');
                                         if (offset >= total) {
                                           sink.done();
                                           return true;
                                         }
                                         const size_t n = std::min(block.size(), total - offset);
                                         return sink.write(block.data(), n);
                                       });
    });
    s.Get("/base/sized", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(300'000, 'y'), "text/plain");
    });
    s.Get("/base/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(1500ms);
      res.set_content("late", "text/plain");
    });
    s.Get("/base/stall", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/plain", [](size_t offset, httplib::DataSink& sink) {
        if (offset == 0) return sink.write("first", 5);
        std::this_thread::sleep_for(1500ms);
        return false;
      });
    });
    s.Get("/base/broken", [](const httplib::Request&, httplib::Response& res) {
      // Announces 100,000 bytes and closes after 1,000.
      res.set_content_provider(100'000, "application/octet-stream",
                               [](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset >= 1000) return false;
                                 static const std::string part(1000, 'b');
                                 return sink.write(part.data(), part.size());
                               });
    });
    s.Get("/base/infinite", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("application/octet-stream",
                                       [](size_t, httplib::DataSink& sink) {
                                         static const std::string block(16 * 1024, 'i');
                                         std::this_thread::sleep_for(5ms);
                                         return sink.write(block.data(), block.size());
                                       });
    });
    s.Get("/base/cost", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Secu-Cost-USD", "0.0123");
      res.set_content("metered", "text/plain");
    });
    s.Get("/base/hop", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Connection", "X-Hop-Private");
      res.set_header("X-Hop-Private", "secret");
      res.set_header("Keep-Alive", "timeout=99");
      res.set_header("Upgrade", "websocket");
      res.set_header("Trailer", "X-Checksum");
      res.set_header("Proxy-Authenticate", "Basic");
      res.set_header("X-Request-Id", "vendor-rid");
      res.set_header("X-Vendor", "v");
      res.set_content("hop", "text/plain");
    });
    s.Get("/base/gzip", [](const httplib::Request&, httplib::Response& res) {
      // A provider with a length: httplib's server sends it as is, without compressing.
      res.set_header("Content-Encoding", "gzip");
      res.set_content_provider(16, "application/json", [](size_t, size_t, httplib::DataSink& sink) {
        static const std::string b("\x1f\x8b\x08\x00opaque-bytes", 16);
        return sink.write(b.data(), b.size());
      });
    });
    s.Delete("/base/nocontent",
             [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    s.Get("/base/status/418", [](const httplib::Request&, httplib::Response& res) {
      res.status = 418;
      res.set_content(R"({"teapot":true})", "application/json");
    });
    server.start();
  }
  std::string url() const { return server.url(); }
};

// The front: secud's role, a server whose handler calls Proxy::forward.
struct Front {
  Proxy proxy;
  std::mutex mu;
  std::condition_variable cv;
  VendorTarget vendor;                // GUARDED_BY(mu)
  ForwardOptions base;                // GUARDED_BY(mu)
  std::vector<StreamResult> results;  // GUARDED_BY(mu)
  // Last: stopped first on destruction, so no server thread (whose response releaser runs
  // on_finish after the client already has the last byte) outlives what on_finish touches.
  TestServer server;

  explicit Front(VendorTarget v, Proxy::Config cfg = {}) : proxy(cfg), vendor(std::move(v)) {
    base.connect_timeout = 2s;
    base.read_timeout = 5s;
    auto& s = server.svr;
    s.set_pre_routing_handler([](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Request-Id", "req_front");  // as secud's middleware does
      return httplib::Server::HandlerResponse::Unhandled;
    });
    auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    s.Get(".*", h);
    s.Post(".*", h);
    s.Put(".*", h);
    s.Delete(".*", h);
    s.Patch(".*", h);
    s.Options(".*", h);
    server.start();
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    auto t = split_gateway_target(req.target, "/v1/gateway");
    if (!t.ok()) {
      res.status = 400;
      res.set_content(t.error().code, "text/plain");
      return;
    }
    VendorTarget v;
    ForwardOptions o;
    {
      std::lock_guard lk(mu);
      v = vendor;
      o = base;
    }
    o.path = t->path;
    o.query = t->query;
    o.request_id = "req_front";
    o.on_finish = [this](const StreamResult& r) {
      std::lock_guard lk(mu);
      results.push_back(r);
      cv.notify_all();
    };
    proxy.forward(v, req, res, std::move(o));
  }

  // The n-th finished stream (waits up to 5 s).
  StreamResult result(size_t n = 0) {
    std::unique_lock lk(mu);
    REQUIRE(cv.wait_for(lk, 5s, [&] { return results.size() > n; }));
    return results[n];
  }
  std::unique_ptr<httplib::Client> client() {
    auto c = std::make_unique<httplib::Client>(server.url());
    c->set_read_timeout(10s);
    return c;
  }
};

VendorTarget vendor_at(const std::string& url, AuthType type, std::string header = {}) {
  VendorTarget v;
  v.vendor_id = "vnd_test";
  v.base_url = url + "/base";
  v.auth_type = type;
  v.header_name = std::move(header);
  v.api_key = "vendor-secret-123";
  return v;
}

nlohmann::json echo_of(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  return nlohmann::json::parse(r->body);
}

size_t header_count(const nlohmann::json& echo, const std::string& name) {
  for (const auto& [k, v] : echo["headers"].items())
    if (detail::iequals(k, name)) return v.size();
  return 0;
}
std::string header_of(const nlohmann::json& echo, const std::string& name) {
  for (const auto& [k, v] : echo["headers"].items())
    if (detail::iequals(k, name)) return v[0].get<std::string>();
  return {};
}

int64_t rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);  // nothing listens there now
  return ntohs(a.sin_port);
}

void require_error(const httplib::Result& r, int status, const std::string& code) {
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == status);
  auto j = nlohmann::json::parse(r->body);
  CHECK(j["error"]["code"] == code);
  CHECK(j["error"]["request_id"] == "req_front");
  CHECK(j["error"]["message"].is_string());
}

}  // namespace

// ---- pure helpers ----------------------------------------------------------------------------

TEST_CASE("split_gateway_target normalises the vendor path and keeps the raw query", "[gateway]") {
  struct Case {
    const char* target;
    const char* path;
    const char* query;
  };
  const Case ok[] = {
      {"/v1/gateway", "/", ""},
      {"/v1/gateway/", "/", ""},
      {"/v1/gateway/v1/charges", "/v1/charges", ""},
      {"/v1/gateway/v1/charges?limit=3&x=%2F", "/v1/charges", "limit=3&x=%2F"},
      {"/v1/gateway//v1/./a/../charges?", "/v1/charges", ""},
      {"/v1/gateway/%61dmin", "/admin", ""},
  };
  for (const auto& c : ok) {
    INFO(c.target);
    auto t = split_gateway_target(c.target, "/v1/gateway");
    REQUIRE(t.ok());
    CHECK(t->path == c.path);
    CHECK(t->query == c.query);
  }
  for (const char* bad : {"/v1/gatewayx/a", "/v1/other/a", "/v1/gateway/..", "/v1/gateway/a%2fb",
                          "/v1/gateway/%2e%2e/x", "/v1/gateway/a\\b", "/v1/%67ateway/a"}) {
    INFO(bad);
    auto t = split_gateway_target(bad, "/v1/gateway");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().code == "invalid_path");
  }
  CHECK(split_gateway_target("/v1/gateway/a?x=\x01", "/v1/gateway").error().code ==
        "invalid_query");
}

TEST_CASE("vendor base URLs, auth types and header rules", "[gateway]") {
  auto o = detail::parse_base_url("https://api.stripe.com/v1/");
  REQUIRE(o.ok());
  CHECK(o->key() == "https://api.stripe.com:443");
  CHECK(o->base_path == "/v1");
  o = detail::parse_base_url("http://127.0.0.1:8080");
  REQUIRE(o.ok());
  CHECK(o->key() == "http://127.0.0.1:8080");
  CHECK(o->base_path.empty());
  CHECK(detail::parse_base_url("http://[::1]:9/x")->key() == "http://[::1]:9");
  for (const char* bad :
       {"ftp://x", "http://", "http://u:p@host", "http://h/x?y", "http://h#f", "http://h:0",
        "http://h:99999", "http://h:x", "http://h /x", "http://h/a/../b", "api.example.com"}) {
    INFO(bad);
    CHECK_FALSE(detail::parse_base_url(bad).ok());
  }
  CHECK(parse_auth_type("bearer").value() == AuthType::kBearer);
  CHECK(parse_auth_type("header").value() == AuthType::kHeader);
  CHECK(parse_auth_type("basic").value() == AuthType::kBasic);
  CHECK(parse_auth_type("query").value() == AuthType::kQuery);
  CHECK(parse_auth_type("Bearer").error().field == "auth_type");

  for (const char* h : {"Connection", "keep-alive", "TE", "Trailer", "transfer-encoding", "Upgrade",
                        "Proxy-Authorization", "proxy-authenticate"})
    CHECK(detail::is_hop_by_hop(h));
  CHECK_FALSE(detail::is_hop_by_hop("Content-Type"));
  CHECK(detail::named_in_connection("keep-alive, X-Foo", "x-foo"));
  CHECK_FALSE(detail::named_in_connection("keep-alive, X-Foo", "X-Fo"));
  for (const char* h : {"Authorization", "Host", "X-Secu-Action", "x-secu-cost-usd", "REMOTE_ADDR",
                        "Content-Length", "Expect"})
    CHECK(detail::is_dropped_request_header(h));
  CHECK_FALSE(detail::is_dropped_request_header("X-Custom"));

  CHECK(detail::remove_query_param("a=1&api_key=x&b=2", "api_key") == "a=1&b=2");
  CHECK(detail::remove_query_param("api_key=x", "api_key").empty());
  CHECK(detail::remove_query_param("%61pi_key=x&api_key&c", "api_key") == "c");
  CHECK(detail::remove_query_param("a=1&&b", "zz") == "a=1&b");
  CHECK(detail::encode_component("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
}

TEST_CASE("StreamRegistry trips the open streams of one agent", "[gateway]") {
  StreamRegistry reg;
  auto a1 = reg.open("agt_a");
  auto a2 = reg.open("agt_a");
  auto b1 = reg.open("agt_b");
  int fired = 0;
  a1->subscribe([&] { ++fired; });
  CHECK(reg.open_count("agt_a") == 2);
  a2.reset();  // a finished stream is forgotten
  CHECK(reg.open_count("agt_a") == 1);
  CHECK(reg.cancel_agent("agt_a") == 1);
  CHECK(a1->cancelled());
  CHECK(fired == 1);
  CHECK_FALSE(b1->cancelled());
  a1->cancel();  // idempotent
  CHECK(fired == 1);
  a1->subscribe([&] { ++fired; });  // subscribing to a tripped token runs at once
  CHECK(fired == 2);
  CHECK(reg.cancel_agent("agt_nobody") == 0);
}

// ---- the proxy over real HTTP ----------------------------------------------------------------

TEST_CASE("credentials are injected per auth_type and the agent's are stripped", "[gateway]") {
  VendorUpstream up;
  struct Case {
    AuthType type;
    std::string header;
  };
  const Case cases[] = {{AuthType::kBearer, ""},   {AuthType::kHeader, "X-Vendor-Key"},
                        {AuthType::kHeader, ""},   {AuthType::kBasic, ""},
                        {AuthType::kQuery, "key"}, {AuthType::kQuery, ""}};
  for (const auto& c : cases) {
    INFO("auth type " << static_cast<int>(c.type) << " header " << c.header);
    Front front(vendor_at(up.url(), c.type, c.header));
    auto cli = front.client();
    // The agent's own key, plus a forged value where the scheme puts the vendor's credential.
    httplib::Headers h = {{"Authorization", "Bearer sk_secu_agent_key"}};
    std::string path = "/v1/gateway/echo?a=1";
    const std::string name = !c.header.empty()             ? c.header
                             : c.type == AuthType::kHeader ? "X-Api-Key"
                             : c.type == AuthType::kQuery  ? "api_key"
                                                           : "";
    if (c.type == AuthType::kHeader) h.emplace(name, "agent-forged");
    if (c.type == AuthType::kQuery) path += "&" + name + "=forged&b=2";
    auto e = echo_of(cli->Get(path, h));
    const std::string dump = e.dump();
    CHECK(dump.find("sk_secu_agent_key") == std::string::npos);
    CHECK(dump.find("forged") == std::string::npos);
    switch (c.type) {
      case AuthType::kBearer:
        CHECK(header_of(e, "Authorization") == "Bearer vendor-secret-123");
        CHECK(header_count(e, "Authorization") == 1);
        CHECK(e["target"] == "/base/echo?a=1");
        break;
      case AuthType::kHeader:
        CHECK(header_of(e, name) == "vendor-secret-123");
        CHECK(header_count(e, name) == 1);
        CHECK(header_count(e, "Authorization") == 0);
        break;
      case AuthType::kBasic:
        CHECK(header_of(e, "Authorization") ==
              "Basic " + crypto::base64_encode("vendor-secret-123:"));
        CHECK(header_count(e, "Authorization") == 1);
        break;
      case AuthType::kQuery:
        CHECK(header_count(e, "Authorization") == 0);
        CHECK(e["target"] == "/base/echo?a=1&b=2&" + name + "=vendor-secret-123");
        break;
    }
    auto fr = front.result();
    CHECK(fr.outcome == StreamResult::Outcome::kCompleted);
  }
}

TEST_CASE("basic auth takes user:password keys as they are", "[gateway]") {
  VendorUpstream up;
  auto v = vendor_at(up.url(), AuthType::kBasic);
  v.api_key = "user:p@ss";
  Front front(v);
  auto e = echo_of(front.client()->Get("/v1/gateway/echo"));
  CHECK(header_of(e, "Authorization") == "Basic " + crypto::base64_encode("user:p@ss"));
}

TEST_CASE("hop-by-hop, X-Secu-* and host headers stay on our side", "[gateway]") {
  VendorUpstream up;
  Front front(vendor_at(up.url(), AuthType::kBearer));
  auto cli = front.client();
  httplib::Headers h = {{"Connection", "X-Drop-Me"},
                        {"X-Drop-Me", "1"},
                        {"Keep-Alive", "timeout=77"},
                        {"TE", "trailers"},
                        {"Upgrade", "h2c"},
                        {"Trailer", "X-T"},
                        {"Proxy-Authorization", "Basic Zm9vOmJhcg=="},
                        {"X-Secu-Action", "charges.read"},
                        {"X-Secu-Cost-USD", "1.5"},
                        {"X-Secu-Approval-Id", "apr_1"},
                        {"X-Request-Id", "agent-chosen"},
                        {"X-Keep", "yes"},
                        {"Cookie", "c=1"}};
  auto e = echo_of(cli->Post("/v1/gateway/echo/post", h, R"({"amount":5})", "application/json"));
  CHECK(e["method"] == "POST");
  CHECK(e["body"] == R"({"amount":5})");
  CHECK(header_of(e, "Content-Type") == "application/json");
  CHECK(header_of(e, "X-Keep") == "yes");
  CHECK(header_of(e, "Cookie") == "c=1");
  CHECK(header_of(e, "X-Request-Id") == "req_front");
  CHECK(header_count(e, "X-Request-Id") == 1);
  for (const char* gone : {"X-Drop-Me", "TE", "Upgrade", "Trailer", "Proxy-Authorization",
                           "X-Secu-Action", "X-Secu-Cost-USD", "X-Secu-Approval-Id"}) {
    INFO(gone);
    CHECK(header_count(e, gone) == 0);
  }
  CHECK(e.dump().find("timeout=77") == std::string::npos);
  // The upstream's Host is its own, and httplib's pseudo-headers of the front are not forwarded
  // (the upstream server adds its own REMOTE_PORT once).
  CHECK(header_of(e, "Host") == "127.0.0.1:" + std::to_string(up.server.port));
  CHECK(header_count(e, "REMOTE_PORT") == 1);
  CHECK(header_count(e, "LOCAL_PORT") == 1);
  CHECK(header_of(e, "Accept-Encoding") == "identity");

  // Response side.
  auto r = cli->Get("/v1/gateway/hop");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "hop");
  CHECK(r->get_header_value("X-Vendor") == "v");
  CHECK_FALSE(r->has_header("X-Hop-Private"));
  CHECK_FALSE(r->has_header("Upgrade"));
  CHECK_FALSE(r->has_header("Trailer"));
  CHECK_FALSE(r->has_header("Proxy-Authenticate"));
  CHECK(r->get_header_value("Keep-Alive").find("99") == std::string::npos);
  CHECK(r->get_header_value("X-Request-Id") == "req_front");
  CHECK(r->get_header_value_count("X-Request-Id") == 1);
}

TEST_CASE("the normalised path and raw query reach the vendor exactly", "[gateway]") {
  VendorUpstream up;
  Front front(vendor_at(up.url(), AuthType::kBearer));
  auto cli = front.client();
  cli->set_url_encode(false);  // send the target byte for byte
  auto e = echo_of(cli->Get("/v1/gateway/echo//a/./b/../c%20d%7e,e+f?x=1&y=%2F&z=a+b"));
  CHECK(e["target"] == "/base/echo/a/c%20d~,e+f?x=1&y=%2F&z=a+b");
  // Methods pass through.
  for (const char* m : {"PUT", "PATCH", "DELETE", "OPTIONS"}) {
    INFO(m);
    httplib::Request req;
    req.method = m;
    req.path = "/v1/gateway/echo";
    req.body = m == std::string("OPTIONS") ? "" : "b";
    if (!req.body.empty()) req.set_header("Content-Type", "text/plain");
    auto r = cli->send(req);
    CHECK(echo_of(r)["method"] == m);
  }
  // A path that does not normalise never leaves.
  auto r = cli->Get("/v1/gateway/x/..%2fadmin");
  REQUIRE(r);
  CHECK(r->status == 400);
}

TEST_CASE("statuses, bodies, encodings and no-content answers pass through", "[gateway]") {
  VendorUpstream up;
  Front front(vendor_at(up.url(), AuthType::kBearer));
  auto cli = front.client();
  auto r = cli->Get("/v1/gateway/status/418");
  REQUIRE(r);
  CHECK(r->status == 418);
  CHECK(r->body == R"({"teapot":true})");
  CHECK(r->get_header_value("Content-Type") == "application/json");

  r = cli->Get("/v1/gateway/sized");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == std::string(300'000, 'y'));

  // An encoded body and its Content-Encoding pass verbatim, once, even when the agent accepts
  // gzip (httplib must neither decode upstream nor re-encode downstream).
  httplib::Client raw(front.server.url());
  raw.set_decompress(false);
  r = raw.Get("/v1/gateway/gzip", {{"Accept-Encoding", "gzip, deflate"}});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == std::string("\x1f\x8b\x08\x00opaque-bytes", 16));
  CHECK(r->get_header_value("Content-Encoding") == "gzip");
  CHECK(r->get_header_value_count("Content-Encoding") == 1);
  // The agent's Accept-Encoding goes to the vendor, which compresses; the front does not
  // compress a second time, so one decompression gives the original.
  httplib::Client inflating(front.server.url());
  r = inflating.Get("/v1/gateway/sized", {{"Accept-Encoding", "gzip"}});
  REQUIRE(r);
  CHECK(r->get_header_value_count("Content-Encoding") <= 1);
  CHECK(r->body == std::string(300'000, 'y'));
  // A Range is the vendor's business; the front does not slice the vendor's answer again.
  r = raw.Get("/v1/gateway/sized", {{"Range", "bytes=10-19"}});
  REQUIRE(r);
  CHECK(r->status == 206);
  CHECK(r->body == std::string(10, 'y'));
  CHECK(r->get_header_value("Content-Range") == "bytes 10-19/300000");

  r = cli->Delete("/v1/gateway/nocontent");
  REQUIRE(r);
  CHECK(r->status == 204);
  CHECK(r->body.empty());
  // HEAD carries no body.
  httplib::Request head;
  head.method = "HEAD";
  head.path = "/v1/gateway/sized";
  r = cli->send(head);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.empty());
}

TEST_CASE("on_finish reports bytes, upstream status and the vendor's cost", "[gateway]") {
  VendorUpstream up;
  Front front(vendor_at(up.url(), AuthType::kBearer));
  auto cli = front.client();
  auto r = cli->Get("/v1/gateway/cost");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "metered");
  auto f = front.result(0);
  CHECK(f.outcome == StreamResult::Outcome::kCompleted);
  CHECK(f.error_code.empty());
  CHECK(f.upstream_status == 200);
  CHECK(f.status == 200);
  CHECK(f.bytes == 7);
  REQUIRE(f.cost_header);
  CHECK(*f.cost_header == "0.0123");
  REQUIRE(f.cost_micros);
  CHECK(*f.cost_micros == 12'300);

  r = cli->Get("/v1/gateway/status/418");
  f = front.result(1);
  CHECK(f.upstream_status == 418);
  CHECK_FALSE(f.cost_header);
  CHECK(f.bytes == 15);
}

TEST_CASE("one pooled keep-alive connection per vendor origin", "[gateway]") {
  VendorUpstream up;
  Front front(vendor_at(up.url(), AuthType::kBearer));
  auto cli = front.client();
  const std::string origin = "http://127.0.0.1:" + std::to_string(up.server.port);
  auto e1 = echo_of(cli->Get("/v1/gateway/echo"));
  front.result(0);
  CHECK(front.proxy.idle_connections(origin) == 1);
  auto e2 = echo_of(cli->Get("/v1/gateway/echo"));
  front.result(1);
  // The same upstream connection (same client port) served both.
  CHECK(header_of(e1, "REMOTE_PORT") == header_of(e2, "REMOTE_PORT"));
  CHECK(front.proxy.idle_connections(origin) == 1);

  // Concurrent requests each get their own connection, all back in the pool afterwards.
  std::vector<std::thread> ts;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&] {
      httplib::Client c(front.server.url());
      for (int k = 0; k < 5; ++k) {
        auto r = c.Get("/v1/gateway/echo");
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : ts)
    t.join();
  CHECK(ok == 40);
  CHECK(front.proxy.idle_connections(origin) >= 1);
  CHECK(front.proxy.idle_connections(origin) <= 8);
}

namespace {

// A raw HTTP/1.1 upstream that answers the first request of each connection with keep-alive and
// closes the connection, unanswered, when a second request arrives on it: what a pooled
// connection looks like when the upstream dropped it just as it was reused.
struct FlakyUpstream {
  int fd = -1;
  int port = 0;
  std::thread th;
  std::atomic<bool> stop{false};
  std::atomic<int> connections{0};

  FlakyUpstream() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    REQUIRE(::listen(fd, 16) == 0);
    th = std::thread([this] {
      while (!stop) {
        const int c = ::accept(fd, nullptr, nullptr);
        if (c < 0) break;
        ++connections;
        std::thread([c] {
          std::string buf;
          char tmp[4096];
          int served = 0;
          while (true) {
            const ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
            if (n <= 0) break;
            buf.append(tmp, static_cast<size_t>(n));
            const size_t end = buf.find("\r\n\r\n");
            if (end == std::string::npos) continue;
            buf.erase(0, end + 4);
            if (served++ > 0) break;  // the reused connection: drop it unanswered
            const std::string resp =
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
            ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
          }
          ::close(c);
        }).detach();
      }
    });
  }
  ~FlakyUpstream() {
    stop = true;
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    th.join();
  }
};

}  // namespace

TEST_CASE("a safe request retries once when a pooled connection turns out dead", "[gateway]") {
  FlakyUpstream up;
  VendorTarget v = vendor_at("http://127.0.0.1:" + std::to_string(up.port), AuthType::kBearer);
  v.base_url = "http://127.0.0.1:" + std::to_string(up.port);
  Front front(v);
  auto cli = front.client();
  auto r = cli->Get("/v1/gateway/a");
  REQUIRE(r);
  CHECK(r->status == 200);
  front.result(0);
  // The second GET goes out on the pooled connection, which the upstream drops: retried on a
  // new connection, the agent sees a normal answer.
  r = cli->Get("/v1/gateway/b");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "ok");
  CHECK(up.connections == 2);
  front.result(1);
  // A POST is never retried: it may have reached the upstream's handler.
  r = cli->Post("/v1/gateway/c", "x", "text/plain");
  REQUIRE(r);
  CHECK(r->status == 502);
  CHECK(nlohmann::json::parse(r->body)["error"]["code"] == "upstream_error");
}

TEST_CASE("a 100 MB response streams through with bounded memory", "[gateway][slow]") {
  VendorUpstream up;
  Front front(vendor_at(up.url(), AuthType::kBearer));
  auto cli = front.client();
  const size_t total = (kSanitized ? 32u : 100u) * 1024 * 1024;

  // Warm up allocator arenas and threads, then measure growth during the big transfer.
  REQUIRE(cli->Get("/v1/gateway/big?n=4194304"));
  front.result(0);
  const int64_t before = rss_kb();
  std::atomic<bool> done{false};
  std::atomic<int64_t> peak{before};
  std::thread sampler([&] {
    while (!done) {
      const int64_t now = rss_kb();
      if (now > peak) peak = now;
      std::this_thread::sleep_for(5ms);
    }
  });
  size_t received = 0;
  bool all_x = true;
  const auto t0 = Clock::now();
  auto r = cli->Get("/v1/gateway/big?n=" + std::to_string(total), [&](const char* data, size_t n) {
    received += n;
    if (all_x && std::string_view(data, n).find_first_not_of('x') != std::string_view::npos)
      all_x = false;
    return true;
  });
  const auto secs = std::chrono::duration<double>(Clock::now() - t0).count();
  done = true;
  sampler.join();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(received == total);
  CHECK(all_x);
  const int64_t growth_mb = (peak - before) / 1024;
  INFO("RSS before " << before / 1024 << " MB, peak " << peak / 1024 << " MB, growth " << growth_mb
                     << " MB, " << (total / 1048576.0) / secs << " MB/s");
  if (!kSanitized) CHECK(growth_mb < 24);
  auto f = front.result(1);
  CHECK(f.outcome == StreamResult::Outcome::kCompleted);
  CHECK(f.bytes == total);
}

TEST_CASE("a slow reader applies back-pressure instead of buffering", "[gateway][slow]") {
  VendorUpstream up;
  Proxy::Config cfg;
  cfg.queue_bytes = 256 * 1024;
  Front front(vendor_at(up.url(), AuthType::kBearer), cfg);
  httplib::Client cli(front.server.url());
  cli.set_read_timeout(10s);
  const size_t total = (kSanitized ? 8u : 32u) * 1024 * 1024;
  const int64_t before = rss_kb();
  int64_t peak = before;
  size_t received = 0;
  // Read 32 MB slowly: 64 KB pauses every MB. VendorUpstream and proxy must wait for us.
  auto r = cli.Get("/v1/gateway/big?n=" + std::to_string(total), [&](const char*, size_t n) {
    const size_t before_mb = received >> 20;
    received += n;
    if ((received >> 20) != before_mb) {
      peak = std::max(peak, rss_kb());
      std::this_thread::sleep_for(15ms);
    }
    return true;
  });
  REQUIRE(r);
  CHECK(received == total);
  INFO("growth " << (peak - before) / 1024 << " MB");
  if (!kSanitized) CHECK((peak - before) / 1024 < 16);
}

TEST_CASE("upstream down answers 502, slow answers 504, in the error format", "[gateway]") {
  SECTION("connection refused") {
    VendorTarget v =
        vendor_at("http://127.0.0.1:" + std::to_string(closed_port()), AuthType::kBearer);
    Front front(v);
    auto r = front.client()->Get("/v1/gateway/echo");
    require_error(r, 502, "upstream_unreachable");
    auto f = front.result();
    CHECK(f.outcome == StreamResult::Outcome::kUpstreamUnreachable);
    CHECK(f.error_code == "upstream_unreachable");
    CHECK(f.status == 502);
    CHECK(f.upstream_status == 0);
  }
  SECTION("no connection within the connect timeout") {
    // A listener whose accept queue is full: the kernel drops further SYNs, connect() hangs.
    const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
    REQUIRE(::listen(lfd, 0) == 0);
    std::vector<int> fillers;
    for (int i = 0; i < 3; ++i) {
      const int f = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(f, reinterpret_cast<sockaddr*>(&a), sizeof a);
      fillers.push_back(f);
    }
    std::this_thread::sleep_for(100ms);
    Front front(
        vendor_at("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), AuthType::kBearer));
    {
      std::lock_guard lk(front.mu);
      front.base.connect_timeout = 300ms;
    }
    const auto t0 = Clock::now();
    auto r = front.client()->Get("/v1/gateway/x");
    const auto took = Clock::now() - t0;
    require_error(r, 504, "upstream_timeout");
    CHECK(took < 1500ms);
    CHECK(front.result().outcome == StreamResult::Outcome::kUpstreamTimeout);
    for (int f : fillers)
      ::close(f);
    ::close(lfd);
  }
  SECTION("no answer within the read timeout") {
    VendorUpstream up;
    Front front(vendor_at(up.url(), AuthType::kBearer));
    {
      std::lock_guard lk(front.mu);
      front.base.read_timeout = 300ms;
    }
    const auto t0 = Clock::now();
    auto r = front.client()->Get("/v1/gateway/slow");
    const auto took = Clock::now() - t0;
    require_error(r, 504, "upstream_timeout");
    CHECK(took < 1200ms);
    auto f = front.result();
    CHECK(f.outcome == StreamResult::Outcome::kUpstreamTimeout);
    CHECK(f.status == 504);
  }
  SECTION("a stream that stalls is cut, not ended cleanly") {
    VendorUpstream up;
    Front front(vendor_at(up.url(), AuthType::kBearer));
    {
      std::lock_guard lk(front.mu);
      front.base.read_timeout = 300ms;
    }
    std::string got;
    auto r = front.client()->Get("/v1/gateway/stall", [&](const char* d, size_t n) {
      got.append(d, n);
      return true;
    });
    CHECK_FALSE(r);  // the chunked body never terminated
    CHECK(got == "first");
    auto f = front.result();
    CHECK(f.outcome == StreamResult::Outcome::kUpstreamTimeout);
    CHECK(f.status == 200);
  }
  SECTION("an upstream that breaks off mid-body is cut too") {
    VendorUpstream up;
    Front front(vendor_at(up.url(), AuthType::kBearer));
    size_t got = 0;
    auto r = front.client()->Get("/v1/gateway/broken", [&](const char*, size_t n) {
      got += n;
      return true;
    });
    CHECK_FALSE(r);
    CHECK(got <= 1000);
    auto f = front.result();
    CHECK(f.outcome == StreamResult::Outcome::kUpstreamError);
    CHECK(f.upstream_status == 200);
  }
  SECTION("a misconfigured vendor answers 502 without a call") {
    VendorTarget v = vendor_at("ftp://nowhere", AuthType::kBearer);
    Front front(v);
    require_error(front.client()->Get("/v1/gateway/x"), 502, "upstream_misconfigured");
    v = vendor_at("http://127.0.0.1:1", AuthType::kHeader, "X-K");
    v.api_key = "evil\r\nX-Injected: 1";
    Front front2(v);
    require_error(front2.client()->Get("/v1/gateway/x"), 502, "upstream_misconfigured");
    CHECK(front2.result().error_code == "upstream_misconfigured");
    v = vendor_at("http://127.0.0.1:1", AuthType::kHeader, "X-K: injected");
    Front front3(v);
    require_error(front3.client()->Get("/v1/gateway/x"), 502, "upstream_misconfigured");
  }
}

TEST_CASE("cancellation cuts an open stream within a second", "[gateway]") {
  VendorUpstream up;
  Front front(vendor_at(up.url(), AuthType::kBearer));
  StreamRegistry streams;
  auto token = streams.open("agt_k");
  {
    std::lock_guard lk(front.mu);
    front.base.cancel = token;
    front.base.cancel_error =
        Error::make(ErrorKind::kForbidden, "agent_disabled", "the agent is disabled");
  }
  std::atomic<size_t> received{0};
  std::atomic<bool> returned{false};
  Clock::time_point returned_at;
  httplib::Result result{nullptr, httplib::Error::Unknown};
  std::thread reader([&] {
    httplib::Client c(front.server.url());
    c.set_read_timeout(10s);
    result = c.Get("/v1/gateway/infinite", [&](const char*, size_t n) {
      received += n;
      return true;
    });
    returned_at = Clock::now();
    returned = true;
  });
  // Let the stream run, then pull the kill-switch.
  for (int i = 0; i < 200 && received < 256 * 1024; ++i)
    std::this_thread::sleep_for(10ms);
  REQUIRE(received >= 256 * 1024);
  const auto cut_at = Clock::now();
  CHECK(streams.cancel_agent("agt_k") == 1);
  reader.join();
  const auto took = returned_at - cut_at;
  INFO("cut after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                    << " ms, " << received << " bytes");
  CHECK(took < 1s);
  CHECK_FALSE(result);  // the body was cut, not terminated
  auto f = front.result();
  CHECK(f.outcome == StreamResult::Outcome::kCancelled);
  CHECK(f.error_code == "stream_cancelled");
  CHECK(f.bytes > 0);

  // Before the status line went out, a cancelled request answers cancel_error.
  auto token2 = streams.open("agt_k");
  {
    std::lock_guard lk(front.mu);
    front.base.cancel = token2;
  }
  std::thread killer([&] {
    std::this_thread::sleep_for(200ms);
    streams.cancel_agent("agt_k");
  });
  const auto t0 = Clock::now();
  auto r = front.client()->Get("/v1/gateway/slow");
  killer.join();
  CHECK(Clock::now() - t0 < 1s);
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(nlohmann::json::parse(r->body)["error"]["code"] == "agent_disabled");
  CHECK(front.result(1).outcome == StreamResult::Outcome::kCancelled);

  // An already tripped token never reaches the vendor.
  auto r3 = front.client()->Get("/v1/gateway/echo");
  REQUIRE(r3);
  CHECK(r3->status == 403);
}

TEST_CASE("an agent that disconnects mid-stream frees the upstream", "[gateway]") {
  VendorUpstream up;
  Front front(vendor_at(up.url(), AuthType::kBearer));
  size_t got = 0;
  {
    httplib::Client c(front.server.url());
    auto r = c.Get("/v1/gateway/infinite", [&](const char*, size_t n) {
      got += n;
      return got < 512 * 1024;  // hang up after half a megabyte
    });
    CHECK_FALSE(r);
  }
  auto f = front.result();
  CHECK(f.outcome == StreamResult::Outcome::kClientGone);
  CHECK(f.error_code == "client_disconnected");
}
