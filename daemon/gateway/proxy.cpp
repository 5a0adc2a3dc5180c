// The streaming proxy. Three threads meet on one Stream:
//   * the handler thread (forward()) starts the upstream call and waits for its status line;
//   * a worker runs the blocking httplib client call, hands status + headers over from the
//     response handler and pushes body bytes into a bounded queue (blocking when it is full:
//     that is the back-pressure that keeps memory flat);
//   * the server thread, after the handler returned, pulls the queue from the chunked content
//     provider and writes to the agent; its resource releaser ends the stream.
// Invariants (all under Stream::mu):
//   1. `queued` ≤ capacity + one upstream read (4 KiB): the worker waits before pushing.
//   2. once `aborted` is set nothing more is pushed or sent, and `client` (if checked out) has
//      been shut down, so a worker blocked in a read returns at once.
//   3. `client` is non-null only while the worker owns it; stop() is called only then, so a
//      pooled client is never touched by another stream. Lock order: Stream::mu, then httplib's
//      socket mutex (inside stop()); httplib never calls back into us holding the latter. One
//      consequence: aborting while the worker is still connecting waits for the connect to end
//      (at most connect_timeout), since httplib connects under that mutex.
//   4. on_finish runs exactly once (`finished` flag).
#include "gateway/proxy.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>

#include "gateway/upstream.hpp"
#include "gateway/workers.hpp"
#include "secu/billing_math.hpp"
#include "secu/crypto.hpp"
#include "secu/log.hpp"
#include "server/http.hpp"

namespace secu::gateway {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kChunk = 64 * 1024;  // coalesce 4 KiB upstream reads into writes of this size

// Pooled keep-alive clients, one idle list per origin. A client is checked out for exactly one
// request, so httplib's per-client socket is never shared between threads. Idle clients are
// reused most recent first; those idle longer than kIdleTtl (their upstream has most likely
// closed the connection) are dropped.
class ClientPool {
 public:
  static constexpr auto kIdleTtl = std::chrono::seconds(60);

  explicit ClientPool(size_t max_idle) : m_max_idle(max_idle) {}

  // A pooled client of `key` ("scheme://host:port"), or a new one. `reused` says which.
  std::unique_ptr<httplib::Client> acquire(const std::string& key, bool& reused) {
    std::unique_ptr<httplib::Client> c;
    std::vector<std::unique_ptr<httplib::Client>> expired;  // closed outside the lock
    {
      std::lock_guard lk(m_mu);
      auto it = m_idle.find(key);
      if (it != m_idle.end()) {
        auto& list = it->second;
        const auto cutoff = Clock::now() - kIdleTtl;
        while (!list.empty() && list.front().since < cutoff) {
          expired.push_back(std::move(list.front().client));
          list.pop_front();
        }
        if (!list.empty()) {
          c = std::move(list.back().client);
          list.pop_back();
        }
      }
    }
    reused = c != nullptr;
    if (c) return c;
    c = std::make_unique<httplib::Client>(key);
    c->set_tcp_nodelay(true);
    c->set_keep_alive(true);
    c->set_follow_location(false);
    c->set_decompress(false);  // bytes and Content-Encoding pass through untouched
    c->set_compress(false);
    c->set_url_encode(false);  // the path is already canonical: send it byte for byte
    return c;
  }

  void release(const std::string& key, std::unique_ptr<httplib::Client> c) {
    std::lock_guard lk(m_mu);
    auto& list = m_idle[key];
    if (list.size() < m_max_idle) list.push_back({std::move(c), Clock::now()});
  }

  size_t idle(const std::string& key) const {
    std::lock_guard lk(m_mu);
    auto it = m_idle.find(key);
    return it == m_idle.end() ? 0 : it->second.size();
  }

 private:
  struct Idle {
    std::unique_ptr<httplib::Client> client;
    Clock::time_point since;
  };
  const size_t m_max_idle;
  mutable std::mutex m_mu;
  std::unordered_map<std::string, std::deque<Idle>> m_idle;  // GUARDED_BY(m_mu), oldest first
};

struct Stream {
  std::mutex mu;
  std::condition_variable cv;  // any change below

  // Worker → handler.
  bool headers_ready = false;
  int status = 0;
  httplib::Headers headers;
  // Worker → server thread.
  std::deque<std::string> chunks;
  size_t queued = 0;
  size_t capacity = 0;
  bool upstream_done = false;
  httplib::Error error = httplib::Error::Success;
  bool timed_out = false;
  // Anyone → everyone.
  bool aborted = false;
  bool cancelled = false;
  bool consumer_gone = false;
  bool done_sent = false;
  httplib::Client* client = nullptr;  // while the worker owns it (invariant 3)

  Clock::time_point started = Clock::now();
  Clock::time_point last_read = Clock::now();
  uint64_t bytes_sent = 0;
  std::atomic<bool> finished{false};
  std::function<void(const StreamResult&)> on_finish;
  std::shared_ptr<CancelToken> token;
  uint64_t token_sub = 0;

  // Sets `aborted` and shuts the upstream socket. Caller holds mu.
  void abort_locked() {
    aborted = true;
    if (client != nullptr) client->stop();
    cv.notify_all();
  }
};

void strip_connection_listed(const httplib::Headers& from, httplib::Headers& into) {
  // Headers named by the Connection header are hop-by-hop too (RFC 9110 §7.6.1).
  const auto range = from.equal_range("Connection");
  for (auto it = range.first; it != range.second; ++it) {
    for (auto h = into.begin(); h != into.end();) {
      h = detail::named_in_connection(it->second, h->first) ? into.erase(h) : std::next(h);
    }
  }
}

// An RFC 9110 token: what a header name may be.
bool valid_token(std::string_view v) {
  if (v.empty()) return false;
  for (unsigned char c : v) {
    if (std::isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos)
      return false;
  }
  return true;
}

bool safe_header_value(std::string_view v) {
  for (unsigned char c : v)
    if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
  return true;
}

StreamResult::Outcome outcome_of_error(httplib::Error e, bool timed_out) {
  switch (e) {
    case httplib::Error::Connection:
    case httplib::Error::BindIPAddress:
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return StreamResult::Outcome::kUpstreamUnreachable;
    case httplib::Error::ConnectionTimeout:
      return StreamResult::Outcome::kUpstreamTimeout;
    default:
      return timed_out ? StreamResult::Outcome::kUpstreamTimeout
                       : StreamResult::Outcome::kUpstreamError;
  }
}

const char* code_of(StreamResult::Outcome o) {
  switch (o) {
    case StreamResult::Outcome::kCompleted:
      return "";
    case StreamResult::Outcome::kUpstreamUnreachable:
      return "upstream_unreachable";
    case StreamResult::Outcome::kUpstreamTimeout:
      return "upstream_timeout";
    case StreamResult::Outcome::kUpstreamError:
      return "upstream_error";
    case StreamResult::Outcome::kCancelled:
      return "stream_cancelled";
    case StreamResult::Outcome::kClientGone:
      return "client_disconnected";
  }
  return "upstream_error";
}

Error error_for(StreamResult::Outcome o) {
  switch (o) {
    case StreamResult::Outcome::kUpstreamUnreachable:
      return Error::make(ErrorKind::kUpstream, "upstream_unreachable",
                         "the vendor could not be reached");
    case StreamResult::Outcome::kUpstreamTimeout:
      return Error::make(ErrorKind::kTimeout, "upstream_timeout",
                         "the vendor did not answer in time");
    default:
      return Error::make(ErrorKind::kUpstream, "upstream_error",
                         "the vendor's answer was broken off or malformed");
  }
}

// Runs the stream's on_finish once, with what is known. Caller does NOT hold mu.
void finish(const std::shared_ptr<Stream>& s, StreamResult r) {
  if (s->finished.exchange(true)) return;
  if (s->token && s->token_sub != 0) s->token->unsubscribe(s->token_sub);
  if (r.error_code.empty()) r.error_code = code_of(r.outcome);
  r.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - s->started).count();
  if (s->on_finish) {
    try {
      s->on_finish(r);
    } catch (const std::exception&) {
      log::error("gateway on_finish threw");
    }
  }
}

void fill_cost(StreamResult& r, const httplib::Headers& h) {
  auto it = h.find("X-Secu-Cost-USD");
  if (it == h.end()) return;
  r.cost_header = it->second;
  if (auto c = billing::parse_usd(it->second); c.ok()) r.cost_micros = c.value();
}

}  // namespace

struct Proxy::Impl {
  Config cfg;
  std::shared_ptr<ClientPool> pool;
  std::mutex mu;
  std::vector<std::weak_ptr<Stream>> live;  // GUARDED_BY(mu): for the destructor
  // Declared last: destroyed first, after every stream was aborted.
  std::unique_ptr<detail::Workers> workers;

  explicit Impl(Config c)
      : cfg(c),
        pool(std::make_shared<ClientPool>(c.max_idle_per_origin)),
        workers(std::make_unique<detail::Workers>(
            std::chrono::duration_cast<std::chrono::milliseconds>(c.worker_idle))) {}

  void track(const std::shared_ptr<Stream>& s) {
    std::lock_guard lk(mu);
    live.erase(std::remove_if(live.begin(), live.end(), [](auto& w) { return w.expired(); }),
               live.end());
    live.push_back(s);
  }

  ~Impl() {
    std::vector<std::shared_ptr<Stream>> open;
    {
      std::lock_guard lk(mu);
      for (auto& w : live)
        if (auto s = w.lock()) open.push_back(std::move(s));
    }
    for (auto& s : open) {
      std::lock_guard lk(s->mu);
      s->abort_locked();
    }
    workers.reset();
  }
};

namespace {

// One attempt of the upstream call on `client`. Returns whether httplib succeeded.
bool send_once(const std::shared_ptr<Stream>& s, httplib::Client& client, httplib::Request& ureq,
               httplib::Response& ures, httplib::Error& err) {
  {
    std::lock_guard lk(s->mu);
    if (s->aborted) {
      err = httplib::Error::Canceled;
      return false;
    }
    s->client = &client;
  }
  const bool ok = client.send(ureq, ures, err);
  std::lock_guard lk(s->mu);
  s->client = nullptr;
  return ok;
}

// The worker: one upstream call, start to end.
void run_upstream(std::shared_ptr<Stream> s, std::shared_ptr<ClientPool> pool, std::string key,
                  httplib::Request ureq, ForwardOptions timeouts) {
  ureq.response_handler = [&s](const httplib::Response& r) {
    std::lock_guard lk(s->mu);
    if (s->aborted) return false;
    s->status = r.status;
    s->headers = r.headers;
    s->headers_ready = true;
    s->last_read = Clock::now();
    s->cv.notify_all();
    return true;
  };
  ureq.content_receiver = [&s](const char* data, size_t n, uint64_t, uint64_t) {
    if (n == 0) return true;
    std::unique_lock lk(s->mu);
    s->cv.wait(lk, [&] { return s->queued < s->capacity || s->aborted; });
    if (s->aborted) return false;
    if (!s->chunks.empty() && s->chunks.back().size() + n <= kChunk) {
      s->chunks.back().append(data, n);
    } else {
      s->chunks.emplace_back(data, n);
      s->chunks.back().reserve(kChunk);
    }
    s->queued += n;
    s->last_read = Clock::now();
    s->cv.notify_all();
    return true;
  };

  const bool safe_to_retry =
      ureq.method == "GET" || ureq.method == "HEAD" || ureq.method == "OPTIONS";
  std::unique_ptr<httplib::Client> client;
  httplib::Response ures;
  httplib::Error err = httplib::Error::Success;
  bool ok = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = false;
    client = pool->acquire(key, reused);
    client->set_connection_timeout(timeouts.connect_timeout);
    client->set_read_timeout(timeouts.read_timeout);
    client->set_write_timeout(timeouts.write_timeout);
    const auto t0 = Clock::now();
    ures = httplib::Response();
    err = httplib::Error::Success;
    ok = send_once(s, *client, ureq, ures, err);
    if (ok || !reused || !safe_to_retry) break;
    // A pooled connection the upstream closed while it sat idle fails at once with a read or
    // write error before any response byte. Like nginx, retry such a safe request once on a
    // fresh connection; anything that may have reached the upstream's handler is not retried.
    std::lock_guard lk(s->mu);
    const bool stale = (err == httplib::Error::Read || err == httplib::Error::Write) &&
                       !s->headers_ready && !s->aborted &&
                       Clock::now() - t0 < std::chrono::milliseconds(100);
    if (!stale) break;
  }

  bool reusable = false;
  {
    std::lock_guard lk(s->mu);
    reusable = ok && !s->aborted;
  }
  // Only a connection that finished its exchange cleanly goes back to the pool; httplib closes
  // it itself when the upstream said "Connection: close" and reconnects on the next use. It goes
  // back BEFORE the stream learns the upstream is done, so by the time the agent has its last
  // byte (and on_finish ran) the connection is already reusable.
  if (reusable) pool->release(key, std::move(client));
  {
    std::lock_guard lk(s->mu);
    if (ok && !s->headers_ready) {
      // 204, 304 and HEAD answers have no body: httplib skips the response handler.
      s->status = ures.status;
      s->headers = ures.headers;
      s->headers_ready = true;
    }
    s->upstream_done = true;
    s->error = ok ? httplib::Error::Success : err;
    if (!ok && (err == httplib::Error::Read || err == httplib::Error::Write)) {
      // httplib reports a read timeout as a plain read error: tell them apart by the silence.
      s->timed_out =
          Clock::now() - s->last_read >= timeouts.read_timeout - std::chrono::milliseconds(50);
    }
    s->cv.notify_all();
  }
}

}  // namespace

Proxy::Proxy() : Proxy(Config{}) {}
Proxy::Proxy(Config cfg) : m_impl(std::make_shared<Impl>(cfg)) {}
Proxy::~Proxy() = default;

size_t Proxy::idle_connections(const std::string& origin) const {
  return m_impl->pool->idle(origin);
}

void Proxy::forward(const VendorTarget& vendor, const httplib::Request& req, httplib::Response& res,
                    ForwardOptions opts) {
  std::string rid = opts.request_id;
  if (rid.empty()) rid = res.get_header_value("X-Request-Id");
  auto reply_error = [&](const Error& e) {
    res.status = http_status(e.kind);
    res.set_content(daemon::error_body(e, rid), "application/json");
  };
  auto s = std::make_shared<Stream>();
  s->capacity = m_impl->cfg.queue_bytes;
  s->on_finish = std::move(opts.on_finish);

  // httplib hands the handler a non-const Request it owns (Server::process_request's local),
  // typed const. Its Accept-Encoding would make httplib gzip the proxied stream a second time
  // and its parsed Range would re-slice what the upstream already sliced: both belong to the
  // upstream now, so they are taken off the front request.
  auto& front = const_cast<httplib::Request&>(req);
  const std::string accept_encoding = front.get_header_value("Accept-Encoding");
  front.headers.erase("Accept-Encoding");
  front.ranges.clear();

  // ---- the upstream request ----
  auto origin = detail::parse_base_url(vendor.base_url);
  if (!origin.ok() || !safe_header_value(vendor.api_key) ||
      (!vendor.header_name.empty() && !valid_token(vendor.header_name))) {
    log::error("gateway vendor misconfigured",
               {{"request_id", rid}, {"vendor_id", vendor.vendor_id}});
    const auto e = Error::make(ErrorKind::kUpstream, "upstream_misconfigured",
                               "the vendor's configuration is invalid");
    reply_error(e);
    StreamResult r;
    r.outcome = StreamResult::Outcome::kUpstreamUnreachable;
    r.error_code = e.code;
    r.status = res.status;
    finish(s, r);
    return;
  }
  httplib::Request ureq;
  ureq.method = req.method;
  std::string query = opts.query;
  std::string auth_name = vendor.header_name;
  if (vendor.auth_type == AuthType::kHeader && auth_name.empty()) auth_name = "X-Api-Key";
  if (vendor.auth_type == AuthType::kQuery) {
    if (auth_name.empty()) auth_name = "api_key";
    query = detail::remove_query_param(query, auth_name);
    if (!query.empty()) query += '&';
    query += detail::encode_component(auth_name) + "=" + detail::encode_component(vendor.api_key);
  }
  ureq.path = origin->base_path + opts.path + (query.empty() ? "" : "?" + query);

  for (const auto& [name, value] : req.headers) {
    if (detail::is_dropped_request_header(name)) continue;
    if (vendor.auth_type == AuthType::kHeader && detail::iequals(name, auth_name)) continue;
    ureq.headers.emplace(name, value);
  }
  strip_connection_listed(req.headers, ureq.headers);
  ureq.headers.emplace("Accept-Encoding", accept_encoding.empty() ? "identity" : accept_encoding);
  if (!rid.empty()) ureq.headers.emplace("X-Request-Id", rid);
  switch (vendor.auth_type) {
    case AuthType::kBearer:
      ureq.headers.emplace("Authorization", "Bearer " + vendor.api_key);
      break;
    case AuthType::kHeader:
      ureq.headers.emplace(auth_name, vendor.api_key);
      break;
    case AuthType::kBasic: {
      const std::string creds =
          vendor.api_key.find(':') == std::string::npos ? vendor.api_key + ":" : vendor.api_key;
      ureq.headers.emplace("Authorization", "Basic " + crypto::base64_encode(creds));
      break;
    }
    case AuthType::kQuery:
      break;
  }
  ureq.body = req.body;

  // ---- start ----
  if (opts.cancel) {
    s->token = opts.cancel;
    std::weak_ptr<Stream> w = s;
    s->token_sub = opts.cancel->subscribe([w] {
      if (auto st = w.lock()) {
        std::lock_guard lk(st->mu);
        st->cancelled = true;
        st->abort_locked();
      }
    });
  }
  m_impl->track(s);
  m_impl->workers->submit([s, pool = m_impl->pool, key = origin->key(), ureq = std::move(ureq),
                           opts]() mutable {
    run_upstream(std::move(s), std::move(pool), std::move(key), std::move(ureq), std::move(opts));
  });

  // ---- wait for the status line (bounded by the worker's connect and read timeouts) ----
  std::unique_lock lk(s->mu);
  s->cv.wait(lk, [&] { return s->headers_ready || s->upstream_done || s->aborted; });
  if (s->aborted || !s->headers_ready) {
    StreamResult r;
    Error e;
    if (s->cancelled) {
      r.outcome = StreamResult::Outcome::kCancelled;
      e = opts.cancel_error;
    } else {
      r.outcome = outcome_of_error(s->error, s->timed_out);
      e = error_for(r.outcome);
      log::warn("gateway upstream failed", {{"request_id", rid},
                                            {"vendor_id", vendor.vendor_id},
                                            {"error", httplib::to_string(s->error)},
                                            {"code", code_of(r.outcome)}});
    }
    lk.unlock();
    reply_error(e);
    r.status = res.status;
    finish(s, r);
    return;
  }

  // ---- status and headers ----
  res.status = s->status;
  std::string content_type = "application/octet-stream";
  httplib::Headers out;
  for (const auto& [name, value] : s->headers) {
    if (detail::is_hop_by_hop(name) || detail::iequals(name, "Content-Length")) continue;
    if (detail::iequals(name, "Content-Type")) {
      content_type = value;
      continue;
    }
    if (res.has_header(name.c_str())) continue;  // the daemon's own (X-Request-Id) win
    out.emplace(name, value);
  }
  strip_connection_listed(s->headers, out);
  for (auto& [name, value] : out)
    res.headers.emplace(name, value);

  StreamResult base;
  base.upstream_status = s->status;
  base.status = s->status;
  fill_cost(base, s->headers);

  const bool no_body = req.method == "HEAD" || s->status == 204 || s->status == 304 ||
                       (s->status >= 100 && s->status < 200);
  if (no_body) {
    if (s->status != 204 && s->status != 304) res.set_header("Content-Type", content_type);
    // Nothing to stream; the exchange is over once the worker has returned the connection.
    s->cv.wait(lk, [&] { return s->upstream_done || s->aborted; });
    base.outcome = s->error == httplib::Error::Success ? StreamResult::Outcome::kCompleted
                                                       : outcome_of_error(s->error, s->timed_out);
    lk.unlock();
    finish(s, base);
    return;
  }
  lk.unlock();

  // ---- the body, pulled by the server thread after this handler returns ----
  res.set_chunked_content_provider(
      content_type,
      [s](size_t, httplib::DataSink& sink) {
        std::string chunk;
        {
          std::unique_lock lk(s->mu);
          s->cv.wait(lk, [&] { return !s->chunks.empty() || s->upstream_done || s->aborted; });
          if (s->aborted) return false;  // cut: the chunked body never terminates
          if (s->chunks.empty()) {
            // Upstream finished. A clean end terminates the body; a broken upstream cuts it so
            // the agent cannot mistake a truncated answer for a whole one.
            if (s->error != httplib::Error::Success) return false;
            s->done_sent = true;
            lk.unlock();
            sink.done();
            return true;
          }
          chunk = std::move(s->chunks.front());
          s->chunks.pop_front();
          s->queued -= chunk.size();
          s->cv.notify_all();  // room for the worker
        }
        if (!sink.write(chunk.data(), chunk.size())) return false;
        std::lock_guard lk(s->mu);
        s->bytes_sent += chunk.size();
        return true;
      },
      [s, base](bool success) {
        StreamResult r = base;
        {
          std::lock_guard lk(s->mu);
          if (!s->upstream_done || !s->chunks.empty()) {
            s->consumer_gone = true;
            s->abort_locked();  // stop the upstream read; the connection is not reused
          }
          r.bytes = s->bytes_sent;
          if (success && s->done_sent) {
            r.outcome = StreamResult::Outcome::kCompleted;
          } else if (s->cancelled) {
            r.outcome = StreamResult::Outcome::kCancelled;
          } else if (s->upstream_done && s->error != httplib::Error::Success &&
                     s->error != httplib::Error::Canceled) {
            r.outcome = outcome_of_error(s->error, s->timed_out);
          } else {
            r.outcome = StreamResult::Outcome::kClientGone;
          }
        }
        finish(s, r);
      });
}

}  // namespace secu::gateway
