// The gateway's streaming reverse proxy: forwards an allowed agent request to its vendor with
// the vendor's credential and streams the answer back with bounded memory.
//
// ---- How to assemble ANY /v1/gateway/{path…} from these pieces (issue 5) --------------------
// One `Proxy` and one `StreamRegistry` per process (members of App, built at start). The
// handler, in this order (DESIGN.md "The gateway"):
//  1. principal: the agent key → key row (agent_id, vendor_id), agent row, vendor row.
//  2. target = split_gateway_target(req.target, "/v1/gateway") (the RAW target: req.path is
//     already percent-decoded by httplib, which would hide %2f tricks) → 400 invalid_path.
//  3. cost = X-Secu-Cost-USD ? billing::parse_usd(header) : 0 → 400 invalid_cost.
//  4. token = streams.open(agent_id) BEFORE reading the agent's status (a kill-switch between
//     the two then trips the token); agent disabled → 403 agent_disabled. The kill-switch
//     disables the agent, then calls streams.cancel_agent(agent_id).
//  5. decision = policy::evaluate(policies of the agent in attachment order (PolicyRow →
//     policy::Policy, field by field), {X-Secu-Action, req.method, target.path, cost}).
//     kDeny → 403 {"code":"policy_denied","policy_id","deny_reason"}; request errors
//     (invalid_path/invalid_action/invalid_cost) were already answered 400 in 2-3.
//  6. In ONE ctx.write job: budget (billing::budget_admits over the UTC day, billing::utc_day)
//     and reserve the cost; kApprovalRequired → either consume an approved grant named by
//     X-Secu-Approval-Id whose digest equals policy::request_digest({agent, vendor, method,
//     target.path, target.query, body, cost}), or create a pending approval and answer 202
//     {"status":"pending_approval","approval_id"}; the BillingEvent (fee by
//     billing::fee_micros) and the audit entry of the decision.
//  7. vendor = VendorTarget{base_url, parse_auth_type(auth_type), header_name, opened api_key}.
//  8. proxy.forward(vendor, ctx.raw_request(), ctx.raw_response(), ForwardOptions{target.path,
//     target.query, ctx.request_id(), timeouts from config, token, cancel_error =
//     403 agent_disabled, on_finish}); on_finish settles the reservation to
//     result.cost_micros (metering_source vendor_header) or the authorised cost (declared),
//     and records result.status / error_code (upstream 502/504 are recorded there).
// Request bodies: httplib has already read the whole body (the server's payload limit, 1 MiB)
// before the handler runs; it is forwarded as one buffer. Responses stream, whatever their size.
//
// ---- What forward() does ---------------------------------------------------------------------
// * Sends method + base_url path + target.path (+ query) upstream on a worker thread, through a
//   pooled keep-alive httplib::Client per vendor origin (scheme://host:port), TCP_NODELAY on,
//   no redirects followed, no decompression (bytes and Content-Encoding pass through), the
//   path exactly as normalised (no re-encoding), so what the policy checked is what is sent.
// * Request headers: the agent's are forwarded except Host, Content-Length, Authorization,
//   Proxy-*, the hop-by-hop set (Connection and the headers it names, Keep-Alive, TE, Trailer,
//   Transfer-Encoding, Upgrade), Expect, every X-Secu-*, httplib's REMOTE_ADDR/REMOTE_PORT/
//   LOCAL_ADDR/LOCAL_PORT pseudo-headers and the vendor's own auth header; X-Request-Id is set
//   to ours. Accept-Encoding is forwarded as sent ("identity" when absent, so httplib does not
//   ask for gzip on the agent's behalf). The credential is injected per auth_type:
//     bearer → Authorization: Bearer <key>;   header → <header_name>: <key> (default X-Api-Key);
//     basic  → Authorization: Basic base64(key) with key "user:password" (no ':' → "key:");
//     query  → <header_name>=<key> appended to the query (default api_key), any value the agent
//              sent for that parameter removed.
// * Response: status and headers are handed over when the upstream's response handler fires;
//   hop-by-hop headers and Content-Length are dropped (the body goes out chunked), headers the
//   daemon already set (X-Request-Id) win. The body flows through a bounded queue (1 MiB by
//   default): when the agent reads slowly the queue fills and the upstream reader blocks, so
//   memory per stream stays bounded whatever the response size.
// * Errors before any response byte answer in the error format: connection refused / TLS
//   failure → 502 upstream_unreachable, connect or read timeout → 504 upstream_timeout, other
//   failures → 502 upstream_error. After the status went out, a failure cuts the stream (the
//   chunked body never terminates), so an agent never mistakes a truncated body for a whole one.
// * Cancellation: tripping the CancelToken aborts the upstream call at once (its socket is shut
//   down) and ends the agent's stream at its next chunk (the provider wakes immediately);
//   before the response started it answers `cancel_error`. Limitation: an agent that stopped
//   reading and whose socket buffer is full is cut by the server's write timeout instead.
// * on_finish runs exactly once per forward(), with bytes delivered, upstream status and the
//   vendor's X-Secu-Cost-USD; on the server thread, after the last byte was written (or on the
//   handler thread when no stream was started).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "secu/result.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace secu::gateway {

// ---- vendor ------------------------------------------------------------------------------

enum class AuthType { kBearer, kHeader, kBasic, kQuery };
// "bearer" | "header" | "basic" | "query"; 400 (field auth_type) otherwise.
Result<AuthType> parse_auth_type(std::string_view text);

struct VendorTarget {
  std::string vendor_id;  // for logs only
  std::string base_url;   // http(s)://host[:port][/base/path], no userinfo, query or fragment
  AuthType auth_type = AuthType::kBearer;
  std::string header_name;  // header (kHeader) or query parameter (kQuery) carrying the key
  std::string api_key;      // the opened secret; never logged
};

// ---- request target ------------------------------------------------------------------------

struct GatewayTarget {
  std::string path;   // the vendor path, normalised (policy::normalize_path)
  std::string query;  // the raw query string without '?', as the agent sent it
};
// Splits a raw request target ("/v1/gateway/v1/charges?limit=3") under `mount`. Errors:
// 400 invalid_path (not under the mount, or the path does not normalise), 400 invalid_query
// (control characters, space or '#' in the query).
Result<GatewayTarget> split_gateway_target(std::string_view raw_target, std::string_view mount);

// ---- cancellation --------------------------------------------------------------------------

// A flag the caller trips to cut a stream (the kill-switch). Thread-safe. Subscribers run once,
// on the thread that calls cancel() (at once when subscribing to a tripped token); they must be
// quick and must not call back into the token.
class CancelToken {
 public:
  void cancel();
  bool cancelled() const { return m_cancelled.load(std::memory_order_acquire); }
  uint64_t subscribe(std::function<void()> fn);
  void unsubscribe(uint64_t id);

 private:
  std::atomic<bool> m_cancelled{false};
  std::mutex m_mu;
  uint64_t m_next = 1;                                             // GUARDED_BY(m_mu)
  std::vector<std::pair<uint64_t, std::function<void()>>> m_subs;  // GUARDED_BY(m_mu)
};

// The open streams of every agent, for the kill-switch. Holds weak references: a stream is
// forgotten when its token is released. Thread-safe.
class StreamRegistry {
 public:
  // A new token registered under `agent_id`; pass it to ForwardOptions::cancel.
  std::shared_ptr<CancelToken> open(const std::string& agent_id);
  // Trips every open token of the agent; returns how many were open.
  size_t cancel_agent(const std::string& agent_id);
  size_t open_count(const std::string& agent_id);

 private:
  void prune_locked(const std::string& agent_id);
  std::mutex m_mu;
  std::unordered_map<std::string, std::vector<std::weak_ptr<CancelToken>>> m_open;  // GUARDED_BY
};

// ---- forwarding ----------------------------------------------------------------------------

struct StreamResult {
  enum class Outcome {
    kCompleted,            // the whole upstream response reached the agent
    kUpstreamUnreachable,  // 502 before any response: refused, DNS, TLS
    kUpstreamTimeout,      // 504, or a stalled stream cut
    kUpstreamError,        // 502, or the upstream broke off mid-stream
    kCancelled,            // the CancelToken was tripped
    kClientGone,           // the agent went away mid-stream
  };
  Outcome outcome = Outcome::kUpstreamError;
  std::string error_code;                  // "" when completed, else the snake_case code above
  int upstream_status = 0;                 // 0 when no response came
  int status = 0;                          // the status the agent was sent
  uint64_t bytes = 0;                      // response body bytes handed to the agent's connection
  std::optional<std::string> cost_header;  // the vendor's X-Secu-Cost-USD, verbatim
  std::optional<int64_t> cost_micros;      // that header parsed (billing::parse_usd), if valid
  int64_t duration_ms = 0;
};

struct ForwardOptions {
  std::string path;        // GatewayTarget::path (normalised)
  std::string query;       // GatewayTarget::query (raw)
  std::string request_id;  // for the error body and the upstream X-Request-Id
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{30000};  // per read: a stalled upstream → 504
  std::chrono::milliseconds write_timeout{30000};
  std::shared_ptr<CancelToken> cancel;  // may be null
  Error cancel_error =
      Error::make(ErrorKind::kForbidden, "stream_cancelled", "the request was cancelled");
  std::function<void(const StreamResult&)> on_finish;  // may be empty
};

class Proxy {
 public:
  struct Config {
    size_t queue_bytes = 1u << 20;         // per stream, between upstream reader and agent
    size_t max_idle_per_origin = 32;       // pooled keep-alive connections kept per origin
    std::chrono::seconds worker_idle{30};  // an idle worker thread exits after this
  };
  Proxy();
  explicit Proxy(Config cfg);
  // Cancels every open stream and waits for their upstream workers.
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Forwards `req` to `vendor` and fills `res` (status, headers and a streaming body, or an
  // error body). Call from the server's handler thread. `req` must be the object httplib hands
  // the handler: forward() removes its Accept-Encoding and Range state so that httplib neither
  // re-compresses nor re-slices the proxied body (the upstream already did both).
  void forward(const VendorTarget& vendor, const httplib::Request& req, httplib::Response& res,
               ForwardOptions opts);

  // Idle pooled connections of an origin ("http://127.0.0.1:8080"); for tests and metrics.
  size_t idle_connections(const std::string& origin) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> m_impl;
};

}  // namespace secu::gateway
