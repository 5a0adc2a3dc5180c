// Keys: POST /v1/keys (contract: the secret is in this answer only), GET /v1/keys,
// GET /v1/keys/{id}, DELETE /v1/keys/{id} (revoke), POST /v1/keys/{id}/rotate.
#include <nlohmann/json.hpp>

#include "secu/governance.hpp"
#include "secu/governance_render.hpp"
#include "secu/json_input.hpp"
#include "server/app.hpp"
#include "server/routes.hpp"
#include "server/scope.hpp"

namespace secu::daemon {

namespace {

using governance::agent_json;
using governance::key_json;
using governance::list_json;
using governance::policy_json;
using governance::vendor_json;

void create(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  const auto agent_id = r.str("agent_id", {.required = true, .min_len = 1, .max_len = 64});
  const auto vendor_id = r.str("vendor_id", {.required = true, .min_len = 1, .max_len = 64});
  Ctx::unwrap(r.finish());
  governance::CreatedKey out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out,
             governance::create_key(tx, write_scope(c), *agent_id, *vendor_id,
                                    c.app().secrets().hash_key, c.audit_entry({}, {}, {}, {})));
    return {};
  });
  auto j = key_json(out.row);
  if (!c.dry_run()) j["key"] = out.secret;  // the only time it is shown (a dry run made none)
  c.reply(200, j);
}

void list(Ctx& c) {
  const auto org_id = org_for_read(c);
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  std::vector<store::KeyRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_keys(db, org_id, c.query("agent_id").value_or(""),
                                    c.query("vendor_id").value_or(""), page));
    return {};
  });
  c.reply(200, list_json("keys", rows, page.limit, key_json));
}

void get(Ctx& c) {
  std::optional<store::KeyRow> row;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(row, store::get_key(db, c.param(0)));
    return {};
  });
  if (!row) Ctx::fail(Error::not_found("key"));
  require_visible(c, row->org_id, "key");
  c.reply(200, key_json(*row));
}

void revoke(Ctx& c) {
  store::KeyRow out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out,
             governance::revoke_key(tx, write_scope(c), c.param(0), c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, key_json(out));
}

// {"grace_seconds": 0..86400} (default 0: the old key stops at once). The answer is the new key
// with its secret (shown once) and the old key as it is now.
void rotate(Ctx& c) {
  int64_t grace = 0;
  if (!c.body().empty()) {
    const auto body = c.json_body();
    json::Reader r(body);
    grace = r.integer("grace_seconds", {.min = 0, .max = governance::kMaxKeyGraceS}).value_or(0);
    Ctx::unwrap(r.finish());
  }
  governance::RotatedKey out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out,
             governance::rotate_key(tx, write_scope(c), c.param(0), grace,
                                    c.app().secrets().hash_key, c.audit_entry({}, {}, {}, {})));
    return {};
  });
  auto j = key_json(out.created.row);
  j["key"] = out.created.secret;  // the only time it is shown
  j["rotated_from"] = key_json(out.old);
  c.reply(200, j);
}

}  // namespace

void register_key_routes(RouteTable& t) {
  t.add("POST", "/v1/keys", Access::kAdmin, "Create Secu key for agent+vendor", create).dry_run =
      true;
  t.add("GET", "/v1/keys", Access::kViewer, "List keys (scoped by principal)", list);
  t.add("GET", "/v1/keys/{id}", Access::kViewer, "Get a key (never its secret)", get);
  t.add("DELETE", "/v1/keys/{id}", Access::kAdmin, "Revoke a key", revoke);
  t.add("POST", "/v1/keys/{id}/rotate", Access::kAdmin,
        "Replace a key (same agent and vendor); the old one works for grace_seconds", rotate);
}

}  // namespace secu::daemon
