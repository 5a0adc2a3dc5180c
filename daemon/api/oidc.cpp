// /v1/auth/oidc/*: single sign-on with an OpenID Connect provider. enabled says whether SSO is
// configured (and which issuer, nothing secret); start sends the browser to the IdP; callback
// finishes the sign-in and sends the browser to the console with the JWT in the fragment (or
// answers the session with 200 when no console URL is configured).
#include <nlohmann/json.hpp>

#include "api/identity_env.hpp"
#include "integrations/oidc_flow.hpp"
#include "secu/identity/render.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"

namespace secu::daemon {

namespace {

OidcOptions options(Ctx& ctx, const identity::Env& env) {
  return oidc_options(*ctx.app().config(), env.public_url);
}

std::optional<std::string> bounded_query(Ctx& ctx, const char* name, size_t max) {
  auto v = ctx.query(name);
  if (v && v->size() > max) {
    Ctx::fail(Error::invalid(std::string(name) + " is too long", name));
  }
  return v;
}

void enabled(Ctx& ctx) {
  const auto cfg = ctx.app().config();
  const OidcOptions o = oidc_options(*cfg, "");
  nlohmann::json j = {{"enabled", o.enabled()}};
  if (o.enabled()) j["issuer"] = o.issuer;
  ctx.reply(200, j);
}

void start(Ctx& ctx) {
  auto redirect_url = bounded_query(ctx, "redirect_url", 2048);
  if (redirect_url && redirect_url->empty()) redirect_url.reset();
  auto env = identity_env(ctx);
  const auto location = unwrap_identity(
      ctx, oidc_start(env, options(ctx, env), redirect_url, ctx.remote_addr(), ctx.request_id()));
  no_store(ctx);
  ctx.set_header("Location", location);
  ctx.reply_text(302, "", "text/plain");
}

void callback(Ctx& ctx) {
  OidcCallback cb;
  cb.code = bounded_query(ctx, "code", 4096).value_or("");
  cb.state = bounded_query(ctx, "state", 256).value_or("");
  cb.error = bounded_query(ctx, "error", 256).value_or("");
  cb.iss = bounded_query(ctx, "iss", 2048);
  auto env = identity_env(ctx);
  auto done = unwrap_identity(
      ctx, oidc_finish(env, options(ctx, env), cb, ctx.remote_addr(), ctx.request_id()));
  no_store(ctx);
  // The callback URL holds the (now spent) code and state: keep them out of Referer headers.
  ctx.set_header("Referrer-Policy", "no-referrer");
  if (!done.location.empty()) {
    ctx.set_header("Location", done.location);
    ctx.reply_text(302, "", "text/plain");
    return;
  }
  ctx.reply(200, identity::session_json(done.session));
}

}  // namespace

void register_oidc_routes(RouteTable& t) {
  t.add("GET", "/v1/auth/oidc/enabled", Access::kPublic, "OIDC SSO enabled", enabled);
  t.add("GET", "/v1/auth/oidc/start", Access::kPublic, "Start OIDC SSO flow (redirect)", start);
  t.add("GET", "/v1/auth/oidc/callback", Access::kPublic,
        "OIDC callback (redirect to console with token)", callback);
}

}  // namespace secu::daemon
