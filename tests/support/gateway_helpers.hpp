// Helpers for the gateway's integration tests: a real upstream vendor (an httplib::Server on
// 127.0.0.1:0 in a thread of the test), provisioning of org, policy, agent, vendor and key
// through the real API, and calls through the gateway with an agent key.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/fixture.hpp"

namespace httplib {
class Server;
}

namespace secu::test {

// The vendor. Endpoints under /api:
//   /api/echo...   any method: {"method","target","headers":{name:[values]},"body"}
//   /api/cost      GET: "metered" with X-Secu-Cost-USD: <?usd=…> (default 0.0123)
//   /api/stream    GET: an endless chunked stream (16 KiB every 5 ms)
//   /api/status    GET: answers ?code=… with a small body
class Upstream {
 public:
  Upstream();
  ~Upstream();
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;
  int port() const { return m_port; }
  // http://127.0.0.1:PORT/api: the vendor's base_url.
  std::string base_url() const;
  // Requests the vendor received so far.
  int hits() const { return m_hits.load(); }
  // Open /api/stream responses at this moment.
  int open_streams() const { return m_streams.load(); }

 private:
  std::unique_ptr<httplib::Server> m_svr;
  std::thread m_thread;
  int m_port = 0;
  std::atomic<int> m_hits{0};
  std::atomic<int> m_streams{0};
};

struct GatewaySetup {
  std::string org, policy, agent, vendor, key_id, key;
};

// What provision_gateway makes. Built with setters (GCC warns on partial designated
// initializers): gateway_options(up.base_url(), policy).budget(10).in_org(org).
struct GatewayOptions {
  nlohmann::json policy = nlohmann::json::object();  // fields besides org_id and name
  std::optional<double> daily_budget;                // absent: no budget (unlimited)
  std::string base_url;                              // the vendor's
  std::string auth_type = "bearer";
  std::string header_name;
  std::string api_key = "vendor-secret-0123456789";
  std::string org;  // existing org; "" = a new one
  bool attach_policy = true;

  GatewayOptions& budget(double usd) {
    daily_budget = usd;
    return *this;
  }
  GatewayOptions& auth(std::string type, std::string header = {}, std::string key = {}) {
    auth_type = std::move(type);
    header_name = std::move(header);
    if (!key.empty()) api_key = std::move(key);
    return *this;
  }
  GatewayOptions& in_org(std::string id) {
    org = std::move(id);
    return *this;
  }
  GatewayOptions& without_policy() {
    attach_policy = false;
    return *this;
  }
};
GatewayOptions gateway_options(std::string base_url, nlohmann::json policy);

// Secud options with extra flags.
SecudOptions secud_with(std::vector<std::string> args);

// Org (unless given), policy, agent (policy attached), vendor, key; REQUIREs each step.
GatewaySetup provision_gateway(const Secud& s, const GatewayOptions& o);

// A call through the gateway with an agent key: `path` is the vendor path ("/echo/x").
Response gw(const Secud& s, const std::string& key, const std::string& method,
            const std::string& path, const std::string& body = {}, Headers extra = {});

// The billing event of a request (by the X-Secu-Event-Id it answered with), polled until it is
// settled (settlement runs after the stream ended); REQUIREs that it appears within 5 s.
nlohmann::json settled_event(const Secud& s, const std::string& event_id);

}  // namespace secu::test
