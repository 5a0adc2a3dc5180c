// /v1/auth/*: signup, password login, magic links, email verification, me, logout.
// Handlers parse (json::Reader: types, limits, unknown fields), call one libsecu identity
// operation and render; secrets appear only in the answers meant to carry them, which are
// marked no-store.
#include <nlohmann/json.hpp>

#include "api/identity_env.hpp"
#include "secu/identity/accounts.hpp"
#include "secu/identity/email_links.hpp"
#include "secu/identity/render.hpp"
#include "secu/identity/sessions.hpp"
#include "secu/json_input.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"

namespace secu::daemon {

namespace {

constexpr json::StrRule kEmailRule{.required = true, .min_len = 1, .max_len = 254};
constexpr json::StrRule kPasswordRule{.required = true, .min_len = 1, .max_len = 1024};
constexpr json::StrRule kUrlRule{.required = false, .min_len = 1, .max_len = 2048};

void finish(json::Reader& r) {
  Ctx::unwrap(r.finish());
}

// The optional body of verify/start and logout: empty, or a JSON object.
nlohmann::json optional_body(Ctx& ctx) {
  if (ctx.body().empty()) return nlohmann::json::object();
  return ctx.json_body();
}

void login(Ctx& ctx) {
  const auto body = ctx.json_body();
  json::Reader r(body);
  identity::LoginRequest req;
  req.email = r.str("email", kEmailRule).value_or("");
  req.password = r.str("password", kPasswordRule).value_or("");
  finish(r);
  req.client_addr = ctx.remote_addr();
  auto env = identity_env(ctx);
  auto session = unwrap_identity(ctx, identity::login(env, req, ctx.request_id()));
  no_store(ctx);
  ctx.reply(200, identity::session_json(session));
}

void signup(Ctx& ctx) {
  const auto body = ctx.json_body();
  json::Reader r(body);
  identity::SignupRequest req;
  req.org_name = r.str("org_name", {.min_len = 1, .max_len = 200});
  req.email = r.str("email", kEmailRule).value_or("");
  req.password = r.str("password", kPasswordRule).value_or("");
  req.daily_budget_micros = r.usd("daily_budget_usd");
  req.network = r.str("network", {.min_len = 1, .max_len = 64});
  req.create_wallet = r.boolean("create_wallet");
  req.stripe_email = r.str("stripe_email", {.min_len = 1, .max_len = 254});
  req.redirect_url = r.str("redirect_url", kUrlRule);
  req.idempotency_key = r.str("idempotency_key", {.min_len = 1, .max_len = 255});
  finish(r);
  req.canonical_body = body.dump();  // nlohmann sorts keys: one spelling per body
  req.client_addr = ctx.remote_addr();
  auto env = identity_env(ctx);
  auto result = unwrap_identity(ctx, identity::signup(env, req, ctx.request_id()));
  no_store(ctx);
  if (result.replayed) ctx.set_header("Idempotent-Replayed", "true");
  ctx.reply(200, result.body);
}

nlohmann::json link_start_json(const identity::LinkStart& s) {
  nlohmann::json j = {{"sent", s.sent}};
  if (!s.token.empty()) j["token"] = s.token;
  return j;
}

void magic_start(Ctx& ctx) {
  const auto body = ctx.json_body();
  json::Reader r(body);
  const auto email = r.str("email", kEmailRule).value_or("");
  const auto redirect_url = r.str("redirect_url", kUrlRule);
  finish(r);
  auto env = identity_env(ctx);
  auto started = unwrap_identity(
      ctx,
      identity::start_magic_link(env, email, redirect_url, ctx.remote_addr(), ctx.request_id()));
  no_store(ctx);
  ctx.reply(200, link_start_json(started));
}

void verify_start(Ctx& ctx) {
  const auto body = optional_body(ctx);
  json::Reader r(body);
  const auto redirect_url = r.str("redirect_url", kUrlRule);
  finish(r);
  auto env = identity_env(ctx);
  auto started = unwrap_identity(
      ctx,
      identity::start_verification(env, identity_caller(ctx), redirect_url, ctx.remote_addr()));
  no_store(ctx);
  ctx.reply(200, link_start_json(started));
}

// Both callbacks: 302 to the console (or an allow-listed redirect_url) with the JWT in the
// fragment — which browsers never send to a server — or 200 with the session.
void redeem(Ctx& ctx, identity::LinkKind kind) {
  // Mail scanners probe links with HEAD; only a GET (the person's click) spends the token.
  if (ctx.method() == "HEAD") {
    no_store(ctx);
    ctx.reply_text(200, "", "text/plain");
    return;
  }
  const std::string token = ctx.query("token").value_or("");
  auto env = identity_env(ctx);
  auto done = unwrap_identity(ctx, identity::redeem_link(env, kind, token, ctx.request_id()));
  no_store(ctx);
  // The callback URL holds a (now used) token in its query: keep it out of Referer headers.
  ctx.set_header("Referrer-Policy", "no-referrer");
  if (!done.location.empty()) {
    ctx.set_header("Location", done.location);
    ctx.reply_text(302, "", "text/plain");
    return;
  }
  ctx.reply(200, identity::session_json(done.session));
}

void me(Ctx& ctx) {
  auto env = identity_env(ctx);
  ctx.reply(200, unwrap_identity(ctx, identity::me(env, identity_caller(ctx))));
}

void logout(Ctx& ctx) {
  const auto body = optional_body(ctx);
  json::Reader r(body);
  finish(r);
  auto env = identity_env(ctx);
  unwrap_identity(ctx, identity::logout(env, identity_caller(ctx)));
  ctx.reply(200, {{"revoked", true}});
}

}  // namespace

void register_auth_routes(RouteTable& t) {
  t.add("POST", "/v1/auth/login", Access::kPublic, "Login (JWT)", login);
  t.add("POST", "/v1/auth/signup", Access::kPublic, "Signup (self-serve)", signup);
  t.add("POST", "/v1/auth/magic/start", Access::kPublic, "Start magic link login", magic_start);
  t.add("GET", "/v1/auth/magic/callback", Access::kPublic,
        "Magic link callback (issues JWT, redirects to console)",
        [](Ctx& c) { redeem(c, identity::LinkKind::kMagic); });
  t.add("POST", "/v1/auth/verify/start", Access::kViewer, "Start email verification (resend)",
        verify_start);
  t.add("GET", "/v1/auth/verify/callback", Access::kPublic,
        "Email verification callback (issues JWT, redirects to console)",
        [](Ctx& c) { redeem(c, identity::LinkKind::kVerify); });
  t.add("GET", "/v1/auth/me", Access::kViewer, "Current principal", me);
  t.add("POST", "/v1/auth/logout", Access::kViewer, "Logout (revoke session)", logout);
}

}  // namespace secu::daemon
