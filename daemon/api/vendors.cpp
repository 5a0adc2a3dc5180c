// Vendors: POST /v1/vendors (contract), GET /v1/vendors, GET/DELETE /v1/vendors/{id},
// POST /v1/vendors/{id}/rotate-key.
// The api key goes in once and never comes back out (shown as "…abcd").
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
  const auto org = r.str("org_id", {.max_len = 64});
  governance::VendorInput in;
  in.name = r.str("name", {.required = true, .min_len = 1, .max_len = 200}).value_or("");
  in.base_url = r.str("base_url", {.required = true, .min_len = 1, .max_len = 2048}).value_or("");
  in.api_key = r.str("api_key", {.required = true, .min_len = 1, .max_len = 4096}).value_or("");
  in.auth_type = r.str("auth_type", {.max_len = 16}).value_or("bearer");
  in.header_name = r.str("header_name", {.min_len = 1, .max_len = 128});
  Ctx::unwrap(r.finish());
  Ctx::unwrap(governance::validate_vendor(in));  // 400 before any lookup
  in.org_id = org_for_write(c, org);
  store::VendorRow out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out, governance::create_vendor(tx, in, c.app().secrets().seal_key,
                                            c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, vendor_json(out));
}

void list(Ctx& c) {
  const auto org_id = org_for_read(c);
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  std::vector<store::VendorRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_vendors(db, org_id, page));
    return {};
  });
  c.reply(200, list_json("vendors", rows, page.limit, vendor_json));
}

void get(Ctx& c) {
  std::optional<store::VendorRow> row;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(row, store::get_vendor(db, c.param(0)));
    return {};
  });
  if (!row || row->deleted_at) Ctx::fail(Error::not_found("vendor"));
  require_visible(c, row->org_id, "vendor");
  c.reply(200, vendor_json(*row));
}

void remove(Ctx& c) {
  store::VendorRow out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out, governance::delete_vendor(tx, write_scope(c), c.param(0),
                                            c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, vendor_json(out));
}

// The new api key in the body, like create takes it; the answer is the vendor (masked).
void rotate_key(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  const auto api_key = r.str("api_key", {.required = true, .min_len = 1, .max_len = 4096});
  Ctx::unwrap(r.finish());
  Ctx::unwrap(governance::validate_vendor_api_key(*api_key));  // 400 before any lookup
  store::VendorRow out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out, governance::rotate_vendor_api_key(tx, write_scope(c), c.param(0), *api_key,
                                                    c.app().secrets().seal_key,
                                                    c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, vendor_json(out));
}

}  // namespace

void register_vendor_routes(RouteTable& t) {
  t.add("POST", "/v1/vendors", Access::kAdmin, "Create vendor", create).dry_run = true;
  t.add("GET", "/v1/vendors", Access::kViewer, "List vendors (scoped by principal)", list);
  t.add("GET", "/v1/vendors/{id}", Access::kViewer, "Get a vendor (api key masked)", get);
  t.add("DELETE", "/v1/vendors/{id}", Access::kAdmin, "Delete a vendor without active keys",
        remove);
  t.add("POST", "/v1/vendors/{id}/rotate-key", Access::kAdmin,
        "Replace a vendor's api key (the next gateway call uses it)", rotate_key);
}

}  // namespace secu::daemon
