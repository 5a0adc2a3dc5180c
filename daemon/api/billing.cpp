// Billing telemetry: GET /v1/billing/summary, GET /v1/billing/events, GET and POST
// /v1/billing/settings (contract). The Stripe operations live in stripe.cpp.
#include <nlohmann/json.hpp>

#include "secu/billing.hpp"
#include "secu/clock.hpp"
#include "secu/json_input.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/list_query.hpp"
#include "secu/store/org_lookup.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"
#include "server/scope.hpp"

namespace secu::daemon {

namespace {

billing::FeeSchedule defaults(Ctx& c) {
  return Ctx::unwrap(fee_defaults(*c.app().config()));
}

std::optional<store::BillingSettingsRow> settings_of(Ctx& c, const std::string& org_id) {
  std::optional<store::BillingSettingsRow> row;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(row, store::get_billing_settings(db, org_id));
    return {};
  });
  return row;
}

// The agent filter of a query: must be an agent the principal may see (404 otherwise, like an
// id that does not exist). Returns its org.
std::string agent_org(Ctx& c, const std::string& agent_id, const std::string& org_filter) {
  std::optional<store::AgentRow> agent;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(agent, store::get_agent(db, agent_id));
    return {};
  });
  if (!agent || (!org_filter.empty() && agent->org_id != org_filter)) {
    Ctx::fail(Error::not_found("agent"));
  }
  require_visible(c, agent->org_id, "agent");
  return agent->org_id;
}

void summary(Ctx& c) {
  billing::SummaryRequest req;
  req.org_id = org_for_read(c);
  req.period = Ctx::unwrap(billing::parse_period(c.query("from"), c.query("to"), now_ms()));
  req.agent_id = c.query("agent_id").value_or("");
  if (!req.agent_id.empty()) req.org_id = agent_org(c, req.agent_id, req.org_id);
  const auto fees =
      req.org_id.empty() ? defaults(c) : billing::fees_for(defaults(c), settings_of(c, req.org_id));
  nlohmann::json out;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(out, billing::summary(db, req, fees));
    return {};
  });
  c.reply(200, out);
}

void events(Ctx& c) {
  auto org_id = org_for_read(c);
  const auto agent_id = c.query("agent_id").value_or("");
  if (!agent_id.empty()) agent_org(c, agent_id, org_id);
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  std::vector<store::BillingEventRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_billing_events(db, org_id, agent_id, page));
    return {};
  });
  const auto next = store::trim_page(rows, page.limit);
  nlohmann::json out = {{"events", nlohmann::json::array()}};
  for (const auto& e : rows)
    out["events"].push_back(billing::event_json(e));
  if (!next.empty()) out["next_cursor"] = next;
  c.reply(200, out);
}

// The org of a settings call: the principal's own, or the one the platform admin names (which
// must exist).
std::string settings_org(Ctx& c, const std::optional<std::string>& named) {
  if (c.principal().is_platform_admin() && !named) {
    Ctx::fail(Error::invalid("org_id is required when acting as the platform admin", "org_id"));
  }
  return org_for_write(c, named);
}

void get_settings(Ctx& c) {
  const auto org_id = settings_org(c, c.query("org_id"));
  c.reply(200, billing::settings_json(org_id, settings_of(c, org_id), defaults(c)));
}

void post_settings(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  const auto org = r.str("org_id", {.max_len = 64});
  billing::SettingsChange in;
  in.stripe_customer_id = r.str("stripe_customer_id", {.max_len = 255});
  in.billing_email = r.str("billing_email", {.max_len = 320});
  in.monthly_retainer_micros = r.usd("monthly_retainer_usd");
  in.stripe_enabled = r.boolean("stripe_enabled");
  in.currency = r.str("currency", {.max_len = 3});
  in.collection_method = r.str("collection_method", {.max_len = 32});
  in.days_until_due = r.integer("days_until_due", {.min = 0, .max = 365});
  in.take_rate_bps = r.integer("take_rate_bps", {.min = 0, .max = 10'000});
  in.fee_mode = r.str("fee_mode", {.max_len = 32});
  in.fee_per_action_micros = r.usd("fee_per_action_usd");
  Ctx::unwrap(r.finish());
  Ctx::unwrap(billing::validate(in));
  const auto org_id = settings_org(c, org);
  store::BillingSettingsRow out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out, billing::update_settings(tx, org_id, in, c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, billing::settings_json(org_id, out, defaults(c)));
}

}  // namespace

void register_billing_routes(RouteTable& t) {
  t.add("GET", "/v1/billing/summary", Access::kViewer, "Usage summary (scoped by principal)",
        summary);
  t.add("GET", "/v1/billing/events", Access::kViewer, "Recent billing events (scoped by principal)",
        events);
  t.add("GET", "/v1/billing/settings", Access::kViewer,
        "Billing settings (Stripe) (scoped by principal)", get_settings);
  t.add("POST", "/v1/billing/settings", Access::kAdmin,
        "Update billing settings (Stripe) (scoped by principal)", post_settings);
}

}  // namespace secu::daemon
