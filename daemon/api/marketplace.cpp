// The marketplace: POST /v1/marketplace/hire (contract), GET /v1/marketplace/listings,
// GET /v1/marketplace/hires, GET /v1/marketplace/hires/{id}. Listing an agent is
// PATCH /v1/agents/{id} (listed, price, pricing_model).
#include <nlohmann/json.hpp>

#include "secu/billing.hpp"
#include "secu/clock.hpp"
#include "secu/json_input.hpp"
#include "secu/marketplace.hpp"
#include "secu/money.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/billing_settings.hpp"
#include "secu/store/list_query.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"
#include "server/scope.hpp"

namespace secu::daemon {

namespace {

void hire(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  const auto org = r.str("org_id", {.max_len = 64});
  marketplace::HireRequest in;
  in.to_agent_id =
      r.str("to_agent_id", {.required = true, .min_len = 1, .max_len = 64}).value_or("");
  in.pricing_model = r.str("pricing_model", {.min_len = 1, .max_len = 32});
  in.rail = r.str("rail", {.min_len = 1, .max_len = 32});
  in.currency = r.str("currency", {.min_len = 1, .max_len = 32});
  in.amount = r.integer("amount", {.min = 1});
  in.amount_micros = r.usd("amount_usd");
  in.network = r.str("network", {.min_len = 1, .max_len = 64});
  in.asset = r.str("asset", {.min_len = 1, .max_len = 128});
  in.daily_budget_micros = r.usd("daily_budget_usd");
  in.charge_now = r.boolean("charge_now").value_or(false);
  in.idempotency_key = r.str("idempotency_key", {.min_len = 1, .max_len = 255});
  Ctx::unwrap(r.finish());
  if (in.rail && *in.rail != "internal" && *in.rail != "x402" && *in.rail != "stripe") {
    Ctx::fail(Error::invalid("rail must be internal, x402 or stripe", "rail"));
  }
  in.canonical_body = body.dump();
  in.org_id = org_for_write(c, org);
  std::optional<store::BillingSettingsRow> settings;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(settings, store::get_billing_settings(db, in.org_id));
    return {};
  });
  const auto fees = billing::fees_for(Ctx::unwrap(fee_defaults(*c.app().config())), settings);
  marketplace::HireResult out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out, marketplace::hire(tx, in, fees, c.app().secrets().hash_key,
                                    c.audit_entry({}, {}, {}, {})));
    return {};
  });
  if (out.replayed) c.set_header("Idempotent-Replayed", "true");
  c.reply(200, marketplace::hire_result_json(out));
}

// A hire as `c`'s principal may see it: the seller's org sees the terms, not the buyer's
// payer agent, policy and key.
nlohmann::json visible_hire_json(Ctx& c, const store::HireRow& h,
                                 const std::optional<store::TransferRow>& charge) {
  auto j = marketplace::hire_json(h, charge);
  const auto& p = c.principal();
  if (!p.is_platform_admin() && p.org_id != h.org_id) {
    j.erase("payer_agent_id");
    j.erase("policy_id");
    j.erase("key_id");
  }
  return j;
}

// The listing as buyers see it: who sells (org), what, at what terms; no budgets or policies.
nlohmann::json listing_json(const store::AgentRow& a) {
  nlohmann::json j = {{"agent_id", a.id},
                      {"org_id", a.org_id},
                      {"name", a.name},
                      {"pricing_model", a.pricing_model.value_or("")},
                      {"updated_at", format_rfc3339(a.updated_at)}};
  if (a.price_micros) j["price"] = money::micros_to_usd(*a.price_micros);
  return j;
}

void listings(Ctx& c) {
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  std::vector<store::AgentRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_listed_agents(db, page));
    return {};
  });
  const auto next = store::trim_page(rows, page.limit);
  nlohmann::json out = {{"listings", nlohmann::json::array()}};
  for (const auto& a : rows)
    out["listings"].push_back(listing_json(a));
  if (!next.empty()) out["next_cursor"] = next;
  c.reply(200, out);
}

void hires(Ctx& c) {
  const auto org_id = org_for_read(c);
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  std::vector<store::HireRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_hires(db, org_id, page));
    return {};
  });
  const auto next = store::trim_page(rows, page.limit);
  nlohmann::json out = {{"hires", nlohmann::json::array()}};
  for (const auto& h : rows)
    out["hires"].push_back(visible_hire_json(c, h, std::nullopt));
  if (!next.empty()) out["next_cursor"] = next;
  c.reply(200, out);
}

void get_hire(Ctx& c) {
  std::optional<store::HireRow> row;
  std::optional<store::TransferRow> charge;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(row, store::get_hire(db, c.param(0)));
    if (row && row->charge_transfer_id) {
      SECU_TRY(charge, store::get_transfer(db, *row->charge_transfer_id));
    }
    return {};
  });
  const auto& p = c.principal();
  if (!row || (!p.is_platform_admin() && row->org_id != p.org_id && row->to_org_id != p.org_id)) {
    Ctx::fail(Error::not_found("hire"));
  }
  c.reply(200, visible_hire_json(c, *row, charge));
}

}  // namespace

void register_marketplace_routes(RouteTable& t) {
  t.add("POST", "/v1/marketplace/hire", Access::kAdmin,
        "Hire an agent from the marketplace (hire record at the listing's terms, optional "
        "initial charge)",
        hire);
  t.add("GET", "/v1/marketplace/listings", Access::kViewer,
        "Listed agents of every org (the marketplace)", listings);
  t.add("GET", "/v1/marketplace/hires", Access::kViewer,
        "Hires made by the org or of its agents (scoped)", hires);
  t.add("GET", "/v1/marketplace/hires/{id}", Access::kViewer, "Get a hire", get_hire);
}

}  // namespace secu::daemon
