// Middleware, installed once (rule of thumb 5): request id, body limit, authentication,
// routing with 404/405, the error format for every status httplib produces itself, a generic
// 500 for exceptions, and one JSON access-log line per request without secrets.
#include "server/server.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "secu/crypto.hpp"
#include "secu/log.hpp"
#include "server/app.hpp"
#include "server/auth.hpp"
#include "server/conn_reaper.hpp"
#include "server/http.hpp"
#include "server/listen_backlog.hpp"
#include "server/tls.hpp"
#include "server/worker_pool.hpp"

namespace secu::daemon {

namespace {

constexpr size_t kMaxBody = 1024 * 1024;  // DESIGN.md: 413 above 1 MiB
// All request headers together (httplib refuses one line over 8 KiB with a 400 itself but not
// a thousand of them): above this, 431 before any handler runs.
constexpr size_t kMaxHeaderBytes = 64 * 1024;

// Per-worker request start; httplib runs pre-routing, handler and logger on one thread.
thread_local std::chrono::steady_clock::time_point t_start{};
// The matched route's index in the table, for the metrics the logger records.
thread_local size_t t_route = Metrics::kUnmatched;

bool valid_request_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != ':')
      return false;
  }
  return true;
}

// The request id of this exchange: the response header set in pre-routing, or a new one for
// requests httplib rejected before pre-routing ran.
std::string request_id_of(httplib::Response& res) {
  std::string id = res.get_header_value("X-Request-Id");
  if (id.empty()) {
    id = "req_" + crypto::random_token(12);
    res.set_header("X-Request-Id", id);
  }
  return id;
}

Error error_for_status(int status) {
  switch (status) {
    case 400:
      return Error::make(ErrorKind::kInvalid, "bad_request", "the request is malformed");
    case 404:
      return Error::make(ErrorKind::kNotFound, "not_found", "no such route");
    case 405:
      return Error::make(ErrorKind::kMethodNotAllowed, "method_not_allowed",
                         "method not allowed on this path");
    case 413:
      return Error::make(ErrorKind::kTooLarge, "payload_too_large",
                         "the request body is larger than 1 MiB");
    case 431:
      return Error::make(ErrorKind::kInvalid, "headers_too_large",
                         "the request headers are larger than 64 KiB");
    case 414:
      return Error::make(ErrorKind::kInvalid, "uri_too_long", "the request URI is too long");
    case 416:
      return Error::make(ErrorKind::kInvalid, "range_not_satisfiable", "bad range");
    case 503:
      return Error::unavailable("the service is unavailable");
    default:
      if (status >= 500) return Error::internal();
      return Error::make(ErrorKind::kInvalid, "bad_request", "the request was rejected");
  }
}

// The key the connection reaper knows a connection by.
std::string peer_of(const httplib::Request& req) {
  return req.remote_addr + ":" + std::to_string(req.remote_port);
}

// A request (head and body) must be complete this long after its connection opened or its
// previous response went out (conn_reaper.hpp); a few read timeouts, and past the keep-alive
// timeout (5 s) so idle keep-alive connections are httplib's to close.
std::chrono::seconds request_deadline(int64_t read_timeout_s) {
  return std::chrono::seconds(std::max<int64_t>(6, 3 * read_timeout_s));
}

}  // namespace

struct Server::Impl {
  App& app;
  RouteTable routes;
  std::unique_ptr<httplib::Server> http;
  ConnectionReaper reaper;
  Status tls_status;  // why the TLS context could not be set up (bind() reports it)

  Impl(App& a, RouteTable r)
      : app(a), routes(std::move(r)), reaper(request_deadline(a.config()->read_timeout_s)) {}

  void dispatch(const httplib::Request& req, httplib::Response& res) {
    reaper.handling(peer_of(req));  // the request is all in: no deadline while it is handled
    const std::string rid = request_id_of(res);
    auto m = routes.match(req.method == "HEAD" ? "GET" : req.method, req.path);
    if (m.route) t_route = static_cast<size_t>(m.route - routes.routes().data());
    Ctx ctx(app, req, res, rid, std::move(m.params));
    try {
      if (!m.route) {
        if (!m.allowed_methods.empty()) {
          std::string allow;
          for (const auto& a : m.allowed_methods)
            allow += (allow.empty() ? "" : ", ") + a;
          res.set_header("Allow", allow);
          if (req.method == "OPTIONS") {
            res.status = 204;
            return;
          }
          ctx.reply_error(error_for_status(405));
        } else {
          ctx.reply_error(error_for_status(404));
        }
        return;
      }
      // Public routes ignore bad credentials; every other route needs good ones.
      auto principal = resolve_principal(app, ctx);
      if (principal.ok()) {
        ctx.principal() = std::move(principal).value();
      } else if (m.route->access != Access::kPublic) {
        ctx.reply_error(principal.error());
        return;
      }
      if (auto st = authorize(ctx.principal(), m.route->access); !st.ok()) {
        ctx.reply_error(st.error());
        return;
      }
      if (auto dry = ctx.query("dry_run")) {
        if (*dry != "true" && *dry != "false") {
          ctx.reply_error(Error::invalid("dry_run must be true or false", "dry_run"));
          return;
        }
        if (*dry == "true" && !m.route->dry_run) {
          auto e = Error::make(ErrorKind::kInvalid, "dry_run_unsupported",
                               "this endpoint has no dry run");
          e.field = "dry_run";
          ctx.reply_error(e);
          return;
        }
        ctx.set_dry_run(*dry == "true");
      }
      m.route->handler(ctx);
    } catch (const HttpError& e) {
      ctx.reply_error(e.error);
    } catch (const std::exception&) {
      log::error("handler threw", {{"request_id", rid}, {"path", req.path}});
      ctx.reply_error(Error::internal());
    }
  }

  void install() {
    auto* h = http.get();
    h->set_tcp_nodelay(true);  // without it small responses wait ~40 ms for delayed ACKs
    h->set_payload_max_length(kMaxBody);
    const auto cfg = app.config();
    h->set_read_timeout(static_cast<time_t>(cfg->read_timeout_s), 0);
    h->set_write_timeout(static_cast<time_t>(cfg->read_timeout_s), 0);
    h->set_keep_alive_max_count(1000);
    const size_t threads = static_cast<size_t>(cfg->threads);
    // One thread per connection up to a bound (server/worker_pool.hpp: slow or idle clients
    // must not hold every worker). httplib takes ownership of the raw pointer.
    h->new_task_queue = [threads] {
      return new_worker_pool(threads, std::max(threads, kMaxConnectionThreads));
    };

    h->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_start = std::chrono::steady_clock::now();
      std::string id = req.get_header_value("X-Request-Id");
      if (!valid_request_id(id)) id = "req_" + crypto::random_token(12);
      res.set_header("X-Request-Id", id);
      size_t header_bytes = 0;
      for (const auto& [name, value] : req.headers)
        header_bytes += name.size() + value.size() + 4;
      if (header_bytes > kMaxHeaderBytes) {
        res.status = 431;
        res.set_content(error_body(error_for_status(431), id), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }
      // httplib 0.11 reads a POST/PUT/PATCH/DELETE without Content-Length or chunked encoding
      // until the client closes, so an empty-bodied request would hang a worker until the read
      // timeout. HTTP/1.1 says such a request has no body: dispatch it now, body empty.
      if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
           req.method == "DELETE") &&
          !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
        dispatch(req, res);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });

    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      dispatch(req, res);
    };
    h->Get(".*", handler);
    h->Post(".*", handler);
    h->Put(".*", handler);
    h->Patch(".*", handler);
    h->Delete(".*", handler);
    h->Options(".*", handler);

    // httplib calls this for every status >= 400, ours included: fill only empty bodies (a
    // streamed body, e.g. a vendor's 429 through the gateway, has a provider instead).
    h->set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty() || res.content_provider_)
            return httplib::Server::HandlerResponse::Unhandled;
          const std::string rid = request_id_of(res);
          res.set_content(error_body(error_for_status(res.status), rid), "application/json");
          return httplib::Server::HandlerResponse::Handled;
        }));
    // Belt and braces: without it httplib would put what() in an EXCEPTION_WHAT header.
    h->set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          res.status = 500;
          res.set_content(error_body(Error::internal(), request_id_of(res)), "application/json");
        });

    // Access log: method, route path (no query string: it can carry tokens), status, time.
    h->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      int64_t us = 0;
      if (t_start.time_since_epoch().count() != 0) {
        us = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::steady_clock::now() - t_start)
                 .count();
      }
      t_start = {};
      reaper.responded(peer_of(req));
      app.metrics.observe_request(t_route, res.status, us);
      t_route = Metrics::kUnmatched;
      log::info("request", {{"request_id", res.get_header_value("X-Request-Id")},
                            {"method", req.method},
                            {"path", req.path},
                            {"status", static_cast<int64_t>(res.status)},
                            {"duration_us", us},
                            {"remote", req.remote_addr}});
    });
  }
};

Server::Server(App& app, RouteTable routes)
    : m_impl(std::make_unique<Impl>(app, std::move(routes))) {
  app.metrics.init(m_impl->routes);
  const auto cfg = app.config();
  if (!cfg->tls_cert.empty()) {
    // HTTPS on the one listener: the control plane and the gateway alike. The certificate is
    // read once here; a renewed one takes a restart (SIGHUP does not reload it).
    auto* impl = m_impl.get();
    m_impl->http = std::make_unique<httplib::SSLServer>([impl, cfg](SSL_CTX& ctx) {
      impl->tls_status = configure_tls(ctx, cfg->tls_cert, cfg->tls_key);
      return impl->tls_status.ok();
    });
  } else {
    m_impl->http = std::make_unique<httplib::Server>();
  }
  m_impl->install();
}

Server::~Server() = default;

Status Server::bind() {
  const auto cfg = m_impl->app.config();
  if (!m_impl->tls_status.ok()) return m_impl->tls_status;
  if (!m_impl->http->is_valid()) {
    return Error::invalid("the TLS certificate or key could not be loaded", "tls_cert");
  }
  const std::string host = cfg->host();
  if (cfg->port() == 0) {
    m_port = m_impl->http->bind_to_any_port(host);
  } else {
    m_port = m_impl->http->bind_to_port(host, cfg->port()) ? cfg->port() : -1;
  }
  if (m_port <= 0) {
    return Error::make(ErrorKind::kUnavailable, "listen_failed",
                       "cannot listen on " + cfg->listen + " (in use, or not an address here)");
  }
  if (!raise_listen_backlog(m_port)) {
    log::warn("listen backlog left at httplib's 5: the listening socket was not found",
              {{"port", static_cast<int64_t>(m_port)}});
  }
  m_impl->reaper.start(m_port);
  return {};
}

void Server::serve() {
  m_impl->http->listen_after_bind();
}

void Server::stop() {
  m_impl->http->stop();
  m_impl->reaper.stop();
}

}  // namespace secu::daemon
