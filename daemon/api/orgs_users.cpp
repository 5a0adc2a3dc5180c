// /v1/orgs and /v1/users: scoped lists and creates (scoping and role rules live in libsecu's
// identity/accounts).
#include <nlohmann/json.hpp>

#include "api/identity_env.hpp"
#include "secu/identity/accounts.hpp"
#include "secu/identity/render.hpp"
#include "secu/json_input.hpp"
#include "secu/paging.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"

namespace secu::daemon {

namespace {

PageRequest page_of(Ctx& ctx) {
  return Ctx::unwrap(parse_page(ctx.query("limit"), ctx.query("cursor")));
}

void list_orgs(Ctx& ctx) {
  const auto page = page_of(ctx);
  auto env = identity_env(ctx);
  auto got = unwrap_identity(ctx, identity::list_orgs(env, identity_caller(ctx), page));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& o : got.orgs)
    items.push_back(identity::org_json(o));
  nlohmann::json out = {{"orgs", std::move(items)}};
  if (!got.next_cursor.empty()) out["next_cursor"] = got.next_cursor;
  ctx.reply(200, out);
}

void create_org(Ctx& ctx) {
  const auto body = ctx.json_body();
  json::Reader r(body);
  const auto name = r.str("name", {.required = true, .min_len = 1, .max_len = 200});
  Ctx::unwrap(r.finish());
  auto env = identity_env(ctx);
  auto org = unwrap_identity(ctx, identity::create_org(env, identity_caller(ctx), *name));
  ctx.reply(200, identity::org_json(org));
}

void get_org(Ctx& ctx) {
  auto env = identity_env(ctx);
  ctx.reply(200, identity::org_json(unwrap_identity(
                     ctx, identity::get_org(env, identity_caller(ctx), ctx.param(0)))));
}

void get_user(Ctx& ctx) {
  auto env = identity_env(ctx);
  ctx.reply(200, identity::user_json(unwrap_identity(
                     ctx, identity::get_user(env, identity_caller(ctx), ctx.param(0)))));
}

void list_users(Ctx& ctx) {
  const auto page = page_of(ctx);
  auto env = identity_env(ctx);
  auto got = unwrap_identity(
      ctx, identity::list_users(env, identity_caller(ctx), ctx.query("org_id"), page));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& u : got.users)
    items.push_back(identity::user_json(u));
  nlohmann::json out = {{"users", std::move(items)}};
  if (!got.next_cursor.empty()) out["next_cursor"] = got.next_cursor;
  ctx.reply(200, out);
}

void create_user(Ctx& ctx) {
  const auto body = ctx.json_body();
  json::Reader r(body);
  identity::CreateUserRequest req;
  req.org_id = r.str("org_id", {.min_len = 1, .max_len = 64});
  req.email = r.str("email", {.required = true, .min_len = 1, .max_len = 254}).value_or("");
  req.password = r.str("password", {.required = true, .min_len = 1, .max_len = 1024}).value_or("");
  req.role = r.str("role", {.min_len = 1, .max_len = 32});
  Ctx::unwrap(r.finish());
  auto env = identity_env(ctx);
  auto user = unwrap_identity(ctx, identity::create_user(env, identity_caller(ctx), req));
  ctx.reply(200, identity::user_json(user));
}

}  // namespace

void register_orgs_users_routes(RouteTable& t) {
  t.add("GET", "/v1/orgs", Access::kViewer, "List orgs (scoped by principal)", list_orgs);
  t.add("POST", "/v1/orgs", Access::kPlatformAdmin, "Create org (platform admin)", create_org);
  t.add("GET", "/v1/users", Access::kViewer, "List users (scoped by principal)", list_users);
  t.add("POST", "/v1/users", Access::kAdmin, "Create user (scoped by principal)", create_user);
  t.add("GET", "/v1/orgs/{id}", Access::kViewer, "Get an org", get_org);
  t.add("GET", "/v1/users/{id}", Access::kViewer, "Get a user", get_user);
}

}  // namespace secu::daemon
