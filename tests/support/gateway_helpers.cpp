#include "support/gateway_helpers.hpp"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "support/api.hpp"

namespace secu::test {

using namespace std::chrono_literals;

namespace {

nlohmann::json headers_json(const httplib::Headers& h) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : h)
    j[k].push_back(v);
  return j;
}

}  // namespace

Upstream::Upstream() : m_svr(std::make_unique<httplib::Server>()) {
  auto& s = *m_svr;
  s.set_tcp_nodelay(true);
  s.set_keep_alive_timeout(1);  // so the destructor does not wait on idle keep-alives
  auto echo = [this](const httplib::Request& req, httplib::Response& res) {
    ++m_hits;
    nlohmann::json j = {{"method", req.method},
                        {"target", req.target},
                        {"headers", headers_json(req.headers)},
                        {"body", req.body}};
    res.set_content(j.dump(), "application/json");
  };
  s.Get("/api/echo.*", echo);
  s.Post("/api/echo.*", echo);
  s.Put("/api/echo.*", echo);
  s.Patch("/api/echo.*", echo);
  s.Delete("/api/echo.*", echo);
  s.Get("/api/cost", [this](const httplib::Request& req, httplib::Response& res) {
    ++m_hits;
    res.set_header("X-Secu-Cost-USD",
                   req.has_param("usd") ? req.get_param_value("usd") : std::string("0.0123"));
    res.set_content("metered", "text/plain");
  });
  s.Get("/api/status", [this](const httplib::Request& req, httplib::Response& res) {
    ++m_hits;
    res.status = std::stoi(req.get_param_value("code"));
    res.set_content("status " + req.get_param_value("code"), "text/plain");
  });
  s.Get("/api/stream", [this](const httplib::Request&, httplib::Response& res) {
    ++m_hits;
    ++m_streams;
    res.set_chunked_content_provider(
        "application/octet-stream",
        [](size_t, httplib::DataSink& sink) {
          static const std::string block(16 * 1024, 's');
          std::this_thread::sleep_for(5ms);
          return sink.write(block.data(), block.size());
        },
        [this](bool) { --m_streams; });
  });
  m_port = s.bind_to_any_port("127.0.0.1");
  REQUIRE(m_port > 0);
  m_thread = std::thread([this] { m_svr->listen_after_bind(); });
  for (int i = 0; i < 400 && !m_svr->is_running(); ++i)
    std::this_thread::sleep_for(5ms);
  REQUIRE(m_svr->is_running());
}

Upstream::~Upstream() {
  m_svr->stop();
  if (m_thread.joinable()) m_thread.join();
}

std::string Upstream::base_url() const {
  return "http://127.0.0.1:" + std::to_string(m_port) + "/api";
}

GatewayOptions gateway_options(std::string base_url, nlohmann::json policy) {
  GatewayOptions o;
  o.base_url = std::move(base_url);
  o.policy = std::move(policy);
  return o;
}

SecudOptions secud_with(std::vector<std::string> args) {
  SecudOptions o;
  o.args = std::move(args);
  return o;
}

GatewaySetup provision_gateway(const Secud& s, const GatewayOptions& o) {
  GatewaySetup g;
  g.org = o.org.empty() ? make_org(s, "Gateway Org") : o.org;
  nlohmann::json policy = o.policy;
  policy["org_id"] = g.org;
  if (!policy.contains("name")) policy["name"] = "gateway test policy";
  g.policy = created_id(admin(s, "POST", "/v1/policies", policy.dump()));
  nlohmann::json agent = {{"org_id", g.org}, {"name", "gateway-bot"}};
  if (o.attach_policy) agent["policy_ids"] = {g.policy};
  if (o.daily_budget) agent["daily_budget"] = *o.daily_budget;
  g.agent = created_id(admin(s, "POST", "/v1/agents", agent.dump()));
  nlohmann::json vendor = {{"org_id", g.org},
                           {"name", "vendor"},
                           {"base_url", o.base_url},
                           {"api_key", o.api_key},
                           {"auth_type", o.auth_type}};
  if (!o.header_name.empty()) vendor["header_name"] = o.header_name;
  g.vendor = created_id(admin(s, "POST", "/v1/vendors", vendor.dump()));
  auto key = admin(s, "POST", "/v1/keys",
                   nlohmann::json{{"agent_id", g.agent}, {"vendor_id", g.vendor}}.dump());
  g.key_id = created_id(key);
  g.key = key.json().at("key").get<std::string>();
  return g;
}

Response gw(const Secud& s, const std::string& key, const std::string& method,
            const std::string& path, const std::string& body, Headers extra) {
  extra.emplace_back("Authorization", "Bearer " + key);
  return http(s.url(), method, "/v1/gateway" + path, body, extra);
}

nlohmann::json settled_event(const Secud& s, const std::string& event_id) {
  REQUIRE_FALSE(event_id.empty());
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    auto r = admin(s, "GET", "/v1/billing/events?limit=1000");
    REQUIRE(r.status == 200);
    const auto body = r.json();  // a named value: a range-for over a temporary's member dangles
    for (const auto& e : body["events"]) {
      // value(): a const json's operator[] on an absent key is undefined (asserts in Debug).
      if (e.value("id", "") == event_id && e.value("settled", false)) return e;
    }
    if (std::chrono::steady_clock::now() > deadline) FAIL("event " << event_id << " not settled");
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace secu::test
