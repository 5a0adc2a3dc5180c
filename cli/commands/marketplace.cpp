// secuctl marketplace listings|hire|hires|hire-get. Listing an agent: `agents update ID
// --listed true --price 0.05 --pricing-model per_call`.
#include "commands/render.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kListingColumns = {
    {"AGENT", "agent_id"},        {"NAME", "name"}, {"ORG", "org_id"}, {"PRICE_USD", "price"},
    {"PRICING", "pricing_model"},
};

const std::vector<Column> kHireColumns = {
    {"ID", "id"},
    {"STATUS", "status"},
    {"AGENT", "to_agent_id"},
    {"SELLER_ORG", "to_org_id"},
    {"PRICING", "pricing_model"},
    {"PRICE_USD", "price_usd"},
    {"DAILY_BUDGET_USD", "daily_budget_usd"},
    {"CHARGE", "charge_transfer_id"},
    {"PAYER_AGENT", "payer_agent_id"},
    {"KEY_ID", "key_id"},
    {"CREATED", "created_at"},
};

struct HireOptions {
  std::string org, agent, pricing_model, rail, currency, network, asset, idempotency_key;
  std::optional<int64_t> amount;
  std::optional<double> amount_usd, daily_budget_usd;
  bool charge_now = false;
};

int hire_run(const HireOptions& o, Deps& d) {
  nlohmann::json body = {{"to_agent_id", o.agent}};
  if (!o.org.empty()) body["org_id"] = o.org;
  if (!o.pricing_model.empty()) body["pricing_model"] = o.pricing_model;
  if (!o.rail.empty()) body["rail"] = o.rail;
  if (!o.currency.empty()) body["currency"] = o.currency;
  if (o.amount) body["amount"] = *o.amount;
  if (o.amount_usd) body["amount_usd"] = *o.amount_usd;
  if (!o.network.empty()) body["network"] = o.network;
  if (!o.asset.empty()) body["asset"] = o.asset;
  if (o.daily_budget_usd) body["daily_budget_usd"] = *o.daily_budget_usd;
  if (o.charge_now) body["charge_now"] = true;
  if (!o.idempotency_key.empty()) body["idempotency_key"] = o.idempotency_key;
  // The linked key's secret is in this answer only (a replay answers without it).
  std::vector<Column> cols = kHireColumns;
  cols.insert(cols.begin() + 1, {"KEY (shown once)", "key/key"});
  return call_and_print(d, "POST", "/v1/marketplace/hire", body, cols);
}

}  // namespace

void add_marketplace_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* mp = app.add_subcommand("marketplace", "Listed agents and hires between orgs");
  mp->require_subcommand(1);

  auto lo = std::make_shared<ListOptions>();
  auto* listings = mp->add_subcommand("listings", "Agents listed on the marketplace");
  listings->add_option("--limit", lo->limit, "page size (default 100, max 1000)");
  listings->add_option("--cursor", lo->cursor, "next_cursor of the previous page");
  listings->add_flag("--all", lo->all, "fetch every page (follows next_cursor)");
  calls(listings, {"GET /v1/marketplace/listings"});
  listings->callback([lo, &d, &rs] {
    rs.run = [lo, &d] {
      return call_and_print_list(
          d,
          "/v1/marketplace/listings" +
              query_string({{"limit", lo->limit ? std::to_string(lo->limit) : std::string()},
                            {"cursor", lo->cursor}}),
          "listings", kListingColumns, lo->all);
    };
  });

  auto o = std::make_shared<HireOptions>();
  auto* hire = mp->add_subcommand(
      "hire",
      "Hire a listed agent of another org (admin): makes the linked key (shown once) that pays "
      "it; --charge-now pays the first charge from the org's wallet");
  hire->add_option("agent_id", o->agent, "the listed agent")->required();
  hire->add_option("--org", o->org, "the hiring org (platform admin)");
  hire->add_option("--pricing-model", o->pricing_model, "expected pricing model of the listing");
  hire->add_option("--daily-budget", o->daily_budget_usd, "cap in USD per day");
  hire->add_flag("--charge-now", o->charge_now, "make the initial charge now");
  hire->add_option("--rail", o->rail, "rail of the charge (internal only)");
  hire->add_option("--currency", o->currency, "currency of the charge (default usd)");
  hire->add_option("--amount", o->amount, "charge in minor units (default: the price)");
  hire->add_option("--amount-usd", o->amount_usd, "USD value of the charge");
  hire->add_option("--network", o->network, "network");
  hire->add_option("--asset", o->asset, "asset");
  hire->add_option("--idempotency-key", o->idempotency_key, "retry-safe key");
  calls(hire, {"POST /v1/marketplace/hire"});
  hire->callback([o, &d, &rs] { rs.run = [o, &d] { return hire_run(*o, d); }; });

  auto ho = std::make_shared<ListOptions>();
  auto* hires = mp->add_subcommand("hires", "Hires made by the org or of its agents");
  add_list_options(hires, *ho);
  calls(hires, {"GET /v1/marketplace/hires"});
  hires->callback([ho, &d, &rs] {
    rs.run = [ho, &d] {
      return call_and_print_list(d, "/v1/marketplace/hires" + list_query(*ho), "hires",
                                 kHireColumns, ho->all);
    };
  });

  auto hid = std::make_shared<std::string>();
  auto* get = mp->add_subcommand("hire-get", "Show one hire");
  get->add_option("hire_id", *hid, "hire id")->required();
  calls(get, {"GET /v1/marketplace/hires/{id}"});
  get->callback([hid, &d, &rs] {
    rs.run = [hid, &d] {
      return call_and_print(d, "GET", "/v1/marketplace/hires/" + url_encode(*hid), nullptr,
                            kHireColumns);
    };
  });
}

}  // namespace secu::cli
