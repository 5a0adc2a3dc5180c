#include "api/identity_env.hpp"

#include <httplib.h>

#include "integrations/smtp_mailer.hpp"
#include "secu/identity/redirects.hpp"
#include "server/app.hpp"

namespace secu::daemon {

namespace {

// Failed logins and mail requests, per process (see secu/identity/throttle.hpp).
identity::Throttles& throttles() {
  static identity::Throttles t;
  return t;
}

// Links in mails need secud's public address. Without --public-url it is the address this
// request reached (the socket's, never the Host header, which a client could forge to make
// secud mail links to somewhere else).
std::string public_url_of(const Ctx& ctx, const Config& cfg) {
  if (!cfg.public_url.empty()) return cfg.public_url;
  const auto& req = ctx.raw_request();
  std::string host = req.local_addr.empty() ? cfg.host() : req.local_addr;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  const int port = req.local_port > 0 ? req.local_port : cfg.port();
  return std::string(cfg.tls_cert.empty() ? "http" : "https") + "://" + host + ":" +
         std::to_string(port);
}

}  // namespace

identity::Env identity_env(Ctx& ctx) {
  App& app = ctx.app();
  const auto cfg = app.config();
  identity::Env env;
  env.store = &app.store();
  env.signing_key = &app.secrets().signing_key;
  env.jwt_keys = app.jwt_keys();
  env.hash_key = &app.secrets().hash_key;
  env.seal_key = &app.secrets().seal_key;
  env.jwt_ttl_s = cfg->jwt_ttl_s;
  env.password_cost.ops = static_cast<uint64_t>(cfg->argon2_ops);
  env.password_cost.mem = static_cast<size_t>(cfg->argon2_mem_kib) * 1024u;
  env.mailer =
      make_smtp_mailer({cfg->smtp_url, cfg->smtp_user, cfg->smtp_password_file, cfg->mail_from});
  env.public_url = public_url_of(ctx, *cfg);
  env.console_url = cfg->console_url;
  env.redirect_allowlist = identity::parse_allowlist(cfg->redirect_allowlist);
  env.throttles = &throttles();
  env.max_attempts = cfg->login_max_attempts;
  env.window_s = cfg->login_window_s;
  return env;
}

identity::Caller identity_caller(const Ctx& ctx) {
  const Principal& p = ctx.principal();
  identity::Caller c;
  c.actor = {p.actor_type(), p.actor_id()};
  c.request_id = ctx.request_id();
  c.user_id = p.user_id;
  c.org_id = p.org_id;
  c.session_id = p.session_id;
  c.role = identity::parse_role(access_name(p.role)).value_or(identity::Role::kViewer);
  return c;
}

void set_retry_after(Ctx& ctx, const Error& e) {
  if (e.kind != ErrorKind::kRateLimited) return;
  if (auto it = e.extra.find("retry_after"); it != e.extra.end()) {
    ctx.set_header("Retry-After", it->second);
  }
}

void unwrap_identity(Ctx& ctx, Status r) {
  if (!r.ok()) {
    set_retry_after(ctx, r.error());
    Ctx::fail(r.take_error());
  }
}

void no_store(Ctx& ctx) {
  ctx.set_header("Cache-Control", "no-store");
  ctx.set_header("Pragma", "no-cache");
}

}  // namespace secu::daemon
