// secuctl billing summary|events|settings get|settings set (Stripe verbs: billing_stripe.cpp).
#include "commands/render.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kSummaryColumns = {
    {"FROM", "from"},
    {"TO", "to"},
    {"ORG", "org_id"},
    {"AGENT", "agent_id"},
    {"EVENTS", "total_events"},
    {"ALLOWED", "allowed_events"},
    {"DENIED", "denied_events"},
    {"COST_USD", "total_cost_usd"},
    {"FEE_USD", "total_fee_usd"},
    {"FEE_MODE", "fee_mode"},
    {"TAKE_RATE_BPS", "take_rate_bps"},
    {"FEE_PER_ACTION_USD", "fee_per_action_usd"},
};

const std::vector<Column> kEventColumns = {
    {"ID", "id"},
    {"TIME", "timestamp"},
    {"AGENT", "agent_id"},
    {"ACTION", "action"},
    {"ALLOW", "allow"},
    {"STATUS", "status_code"},
    {"COST_USD", "cost_usd"},
    {"FEE_USD", "fee_usd"},
    {"METERING", "metering_source"},
    {"DENY_REASON", "deny_reason"},
};

const std::vector<Column> kSettingsColumns = {
    {"ORG", "org_id"},
    {"STRIPE_CUSTOMER", "stripe_customer_id"},
    {"BILLING_EMAIL", "billing_email"},
    {"RETAINER_USD", "monthly_retainer_usd"},
    {"STRIPE_ENABLED", "stripe_enabled"},
    {"CURRENCY", "currency"},
    {"COLLECTION", "collection_method"},
    {"DAYS_UNTIL_DUE", "days_until_due"},
    {"FEE_MODE", "fee_mode"},
    {"TAKE_RATE_BPS", "take_rate_bps"},
    {"FEE_PER_ACTION_USD", "fee_per_action_usd"},
    {"FEE_SOURCE", "fee_source"},
};

struct SummaryOptions {
  std::string org, agent, from, to;
};

struct SettingsSetOptions {
  std::string org;
  std::optional<int64_t> take_rate_bps;
  std::optional<std::string> fee_mode;
  std::optional<double> fee_per_action_usd;
  std::optional<std::string> billing_email;
  std::optional<double> monthly_retainer_usd;
  std::optional<std::string> currency;
  std::optional<std::string> collection_method;
  std::optional<int64_t> days_until_due;
  std::optional<std::string> stripe_customer_id;
  std::optional<bool> stripe_enabled;
};

int settings_set_run(const SettingsSetOptions& o, Deps& d) {
  nlohmann::json body = nlohmann::json::object();
  if (!o.org.empty()) body["org_id"] = o.org;
  if (o.take_rate_bps) body["take_rate_bps"] = *o.take_rate_bps;
  if (o.fee_mode) body["fee_mode"] = *o.fee_mode;
  if (o.fee_per_action_usd) body["fee_per_action_usd"] = *o.fee_per_action_usd;
  if (o.billing_email) body["billing_email"] = *o.billing_email;
  if (o.monthly_retainer_usd) body["monthly_retainer_usd"] = *o.monthly_retainer_usd;
  if (o.currency) body["currency"] = *o.currency;
  if (o.collection_method) body["collection_method"] = *o.collection_method;
  if (o.days_until_due) body["days_until_due"] = *o.days_until_due;
  if (o.stripe_customer_id) body["stripe_customer_id"] = *o.stripe_customer_id;
  if (o.stripe_enabled) body["stripe_enabled"] = *o.stripe_enabled;
  if (body.empty() || (body.size() == 1 && body.contains("org_id"))) {
    return report_error(d, Error::invalid("nothing to set: pass at least one setting flag"));
  }
  return call_and_print(d, "POST", "/v1/billing/settings", body, kSettingsColumns, "org_id");
}

}  // namespace

void add_billing_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* billing = app.add_subcommand("billing", "Usage, fees and billing settings");
  billing->require_subcommand(1);

  auto so = std::make_shared<SummaryOptions>();
  auto* summary = billing->add_subcommand(
      "summary", "Totals over [from, to): events, cost and fees (default: this UTC month)");
  summary->add_option("--from", so->from, "start, RFC 3339 time or date (inclusive)");
  summary->add_option("--to", so->to, "end, RFC 3339 time or date (exclusive)");
  summary->add_option("--agent", so->agent, "only this agent");
  summary->add_option("--org", so->org, "org id (platform admin)");
  calls(summary, {"GET /v1/billing/summary"});
  summary->callback([so, &d, &rs] {
    rs.run = [so, &d] {
      return call_and_print(d, "GET",
                            "/v1/billing/summary" + query_string({{"org_id", so->org},
                                                                  {"agent_id", so->agent},
                                                                  {"from", so->from},
                                                                  {"to", so->to}}),
                            nullptr, kSummaryColumns, "from");
    };
  });

  auto lo = std::make_shared<ListOptions>();
  auto agent = std::make_shared<std::string>();
  auto* events = billing->add_subcommand("events", "Billing events, newest first");
  add_list_options(events, *lo);
  events->add_option("--agent", *agent, "only this agent's");
  calls(events, {"GET /v1/billing/events"});
  events->callback([lo, agent, &d, &rs] {
    rs.run = [lo, agent, &d] {
      return call_and_print_list(d, "/v1/billing/events" + list_query(*lo, {{"agent_id", *agent}}),
                                 "events", kEventColumns, lo->all);
    };
  });

  auto* settings = billing->add_subcommand("settings", "Show or change the org's billing settings");
  settings->require_subcommand(1);
  auto gorg = std::make_shared<std::string>();
  auto* sget = settings->add_subcommand("get", "Show the billing settings (effective fees)");
  sget->add_option("--org", *gorg, "org id (platform admin)");
  calls(sget, {"GET /v1/billing/settings"});
  sget->callback([gorg, &d, &rs] {
    rs.run = [gorg, &d] {
      return call_and_print(d, "GET", "/v1/billing/settings" + query_string({{"org_id", *gorg}}),
                            nullptr, kSettingsColumns, "org_id");
    };
  });

  auto o = std::make_shared<SettingsSetOptions>();
  auto* sset = settings->add_subcommand("set", "Change billing settings (only the flags given)");
  sset->add_option("--org", o->org, "org id (platform admin)");
  sset->add_option("--take-rate-bps", o->take_rate_bps, "fee in basis points of the cost")
      ->check(CLI::Range(0, 10000));
  sset->add_option("--fee-mode", o->fee_mode, "take_rate or per_action")
      ->check(CLI::IsMember({"take_rate", "per_action"}));
  sset->add_option("--fee-per-action", o->fee_per_action_usd, "flat fee per action, USD");
  sset->add_option("--billing-email", o->billing_email, "where invoices go");
  sset->add_option("--monthly-retainer", o->monthly_retainer_usd, "monthly retainer, USD");
  sset->add_option("--currency", o->currency, "three-letter currency code (usd)");
  sset->add_option("--collection-method", o->collection_method,
                   "send_invoice or charge_automatically")
      ->check(CLI::IsMember({"send_invoice", "charge_automatically"}));
  sset->add_option("--days-until-due", o->days_until_due, "invoice due after N days (0-365)")
      ->check(CLI::Range(0, 365));
  sset->add_option("--stripe-customer-id", o->stripe_customer_id, "attach a Stripe customer");
  sset->add_option("--stripe-enabled", o->stripe_enabled, "invoice through Stripe (true/false)");
  calls(sset, {"POST /v1/billing/settings"});
  sset->callback([o, &d, &rs] { rs.run = [o, &d] { return settings_set_run(*o, d); }; });

  add_billing_stripe_commands(billing, d, rs);
}

}  // namespace secu::cli
