// GET /v1/state: the redacted snapshot of the caller's org (the platform admin: every org, or
// ?org_id=). Scope and snapshot are read in one read transaction, so the areas agree.
#include <nlohmann/json.hpp>

#include "api/identity_env.hpp"
#include "secu/identity/accounts.hpp"
#include "secu/state/snapshot.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"

namespace secu::daemon {

namespace {

void get_state(Ctx& ctx) {
  const auto caller = identity_caller(ctx);
  const auto org_id = ctx.query("org_id");
  nlohmann::json out;
  ctx.read([&](store::Db& db) -> Status {
    SECU_TRY(auto scope, identity::read_scope(db, caller, org_id));
    SECU_TRY(out, state::snapshot(db, {scope}));
    return {};
  });
  ctx.reply(200, out);
}

}  // namespace

void register_state_routes(RouteTable& t) {
  t.add("GET", "/v1/state", Access::kViewer, "Get redacted state snapshot (scoped by principal)",
        get_state);
}

}  // namespace secu::daemon
