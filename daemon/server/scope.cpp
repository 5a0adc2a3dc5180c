#include "server/scope.hpp"

#include "secu/store/org_lookup.hpp"
#include "server/app.hpp"

namespace secu::daemon {

namespace {
Error org_not_found() {
  return Error::not_found("org");
}
}  // namespace

std::string org_for_write(Ctx& ctx, const std::optional<std::string>& body_org_id) {
  const auto& p = ctx.principal();
  const bool names_other = body_org_id && *body_org_id != p.org_id;
  if (!names_other) {
    if (!p.org_id.empty()) return p.org_id;
    // The admin token belongs to no org: it must say which.
    Ctx::fail(Error::invalid("org_id is required when acting as the platform admin", "org_id"));
  }
  if (!p.is_platform_admin()) Ctx::fail(org_not_found());
  bool exists = false;
  ctx.read([&](store::Db& db) -> Status {
    SECU_TRY(exists, store::org_exists(db, *body_org_id));
    return {};
  });
  if (!exists) Ctx::fail(org_not_found());
  return *body_org_id;
}

std::string org_for_read(Ctx& ctx) {
  const auto& p = ctx.principal();
  const auto q = ctx.query("org_id");
  if (p.is_platform_admin()) return q.value_or("");
  if (q && *q != p.org_id) Ctx::fail(org_not_found());
  return p.org_id;
}

std::string write_scope(const Ctx& ctx) {
  return ctx.principal().is_platform_admin() ? std::string() : ctx.principal().org_id;
}

void require_visible(const Ctx& ctx, const std::string& row_org_id, const std::string& what) {
  const auto& p = ctx.principal();
  if (p.is_platform_admin()) return;
  if (p.org_id.empty() || p.org_id != row_org_id) Ctx::fail(Error::not_found(what));
}

}  // namespace secu::daemon
