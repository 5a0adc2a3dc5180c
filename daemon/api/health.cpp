// Liveness and readiness: /healthz (the contract's), /livez and /readyz; /metrics.
#include <nlohmann/json.hpp>

#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"

namespace secu::daemon {

void register_health_routes(RouteTable& t) {
  // /healthz answers without credentials and says nothing more than ok (DESIGN.md).
  t.add("GET", "/healthz", Access::kPublic, "Health check", [](Ctx& c) {
    c.reply(200, {{"status", "ok"}});
  });
  t.add("GET", "/livez", Access::kPublic, "Liveness: the process serves HTTP", [](Ctx& c) {
    c.reply(200, {{"status", "ok"}});
  });
  t.add("GET", "/readyz", Access::kPublic, "Readiness: storage writable, not draining", [](Ctx& c) {
    if (c.app().draining) {
      c.reply_error(Error::make(ErrorKind::kUnavailable, "draining", "shutting down"));
    } else if (!c.app().store().probe_ready()) {
      c.reply_error(Error::unavailable("storage is not accepting writes"));
    } else {
      c.reply(200, {{"status", "ready"}});
    }
  });
  // Prometheus text format. The admin token only: the counters tell who is busy with what
  // (route templates, decision outcomes), which is not for anonymous callers, and a scraper
  // reads its bearer token from a file (Prometheus `authorization.credentials_file`).
  t.add("GET", "/metrics", Access::kPlatformAdmin, "Prometheus metrics", [](Ctx& c) {
    c.reply_text(200, c.app().metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace secu::daemon
