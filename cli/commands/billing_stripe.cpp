// secuctl billing customer create | billing invoice | billing invoices [get ID]: Stripe billing.
#include "commands/render.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kCustomerColumns = {
    {"ORG", "org_id"},
    {"STRIPE_CUSTOMER", "stripe_customer_id"},
    {"STRIPE_ENABLED", "stripe_enabled"},
    {"ALREADY_SET", "already_set"},
    {"EMAIL", "email"},
    {"NAME", "name"},
};

const std::vector<Column> kInvoiceColumns = {
    {"ID", "id"},
    {"STRIPE_INVOICE", "stripe_invoice_id"},
    {"ORG", "org_id"},
    {"PERIOD_START", "period_start"},
    {"PERIOD_END", "period_end"},
    {"STATUS", "status"},
    {"AMOUNT_DUE_USD", "amount_due_usd"},
    {"FEES_USD", "fees_usd"},
    {"RETAINER_USD", "retainer_usd"},
    {"COLLECTION", "collection_method"},
    {"NUMBER", "number"},
    {"URL", "hosted_invoice_url"},
    {"ALREADY_EXISTS", "already_exists"},
};

const std::vector<Column> kInvoiceListColumns = {
    {"ID", "id"},
    {"STRIPE_INVOICE", "stripe_invoice_id"},
    {"PERIOD_START", "period_start"},
    {"PERIOD_END", "period_end"},
    {"STATUS", "status"},
    {"AMOUNT_DUE_USD", "amount_due_usd"},
    {"CREATED", "created_at"},
};

struct CustomerCreateOptions {
  std::string org, name, email;
};

struct InvoiceOptions {
  std::string org, from, to, collection_method;
  std::optional<int64_t> days_until_due;
};

// The contract makes org_id required in these bodies; a user acting on their own org need not
// type it: it is taken from GET /v1/auth/me. Empty for the platform admin (secud then says
// org_id is required).
std::string own_org(Deps& d, const std::string& given) {
  if (!given.empty()) return given;
  auto r = call(d, "GET", "/v1/auth/me");
  if (!r.ok()) return {};
  auto me = nlohmann::json::parse(r.body, nullptr, false);
  if (me.is_object() && me.contains("org") && me["org"].is_object() && me["org"].contains("id") &&
      me["org"]["id"].is_string()) {
    return me["org"]["id"].get<std::string>();
  }
  return {};
}

int customer_create_run(const CustomerCreateOptions& o, Deps& d) {
  nlohmann::json body = nlohmann::json::object();
  if (auto org = own_org(d, o.org); !org.empty()) body["org_id"] = org;
  if (!o.name.empty()) body["name"] = o.name;
  if (!o.email.empty()) body["email"] = o.email;
  return call_and_print(d, "POST", "/v1/billing/stripe/customer", body, kCustomerColumns,
                        "stripe_customer_id");
}

int invoice_run(const InvoiceOptions& o, Deps& d) {
  nlohmann::json body = nlohmann::json::object();
  if (auto org = own_org(d, o.org); !org.empty()) body["org_id"] = org;
  if (!o.from.empty()) body["from"] = o.from;
  if (!o.to.empty()) body["to"] = o.to;
  if (!o.collection_method.empty()) body["collection_method"] = o.collection_method;
  if (o.days_until_due) body["days_until_due"] = *o.days_until_due;
  return call_and_print(d, "POST", "/v1/billing/stripe/invoice", body, kInvoiceColumns,
                        "stripe_invoice_id");
}

}  // namespace

void add_billing_stripe_commands(CLI::App* billing, Deps& d, RunState& rs) {
  auto* customer = billing->add_subcommand("customer", "The org's Stripe customer");
  customer->require_subcommand(1);
  auto co = std::make_shared<CustomerCreateOptions>();
  auto* ccreate = customer->add_subcommand(
      "create", "Create the org's Stripe customer (answers the existing one when already set)");
  ccreate->add_option("--org", co->org, "org id (platform admin; default: your own org)");
  ccreate->add_option("--name", co->name, "customer name (default: the org's name)");
  ccreate->add_option("--email", co->email,
                      "customer email (default: billing email, signup Stripe email, owner's)");
  calls(ccreate, {"POST /v1/billing/stripe/customer"});
  ccreate->callback([co, &d, &rs] { rs.run = [co, &d] { return customer_create_run(*co, d); }; });

  auto io = std::make_shared<InvoiceOptions>();
  auto* invoice = billing->add_subcommand(
      "invoice",
      "Invoice a period's fees plus the retainer through Stripe (default: last full UTC month); "
      "asking again answers the same invoice");
  invoice->add_option("--org", io->org, "org id (platform admin; default: your own org)");
  invoice->add_option("--from", io->from, "period start, RFC 3339 time or date (inclusive)");
  invoice->add_option("--to", io->to, "period end, RFC 3339 time or date (exclusive)");
  invoice
      ->add_option("--collection-method", io->collection_method,
                   "send_invoice or charge_automatically (default: billing settings)")
      ->check(CLI::IsMember({"send_invoice", "charge_automatically"}));
  invoice->add_option("--days-until-due", io->days_until_due, "send_invoice: due after N days")
      ->check(CLI::Range(0, 365));
  calls(invoice, {"POST /v1/billing/stripe/invoice"});
  invoice->callback([io, &d, &rs] { rs.run = [io, &d] { return invoice_run(*io, d); }; });

  auto lo = std::make_shared<ListOptions>();
  auto* invoices =
      billing->add_subcommand("invoices", "Stripe invoices made by Secu, newest first");
  add_list_options(invoices, *lo);
  calls(invoices, {"GET /v1/billing/stripe/invoices"});
  invoices->callback([lo, invoices, &d, &rs] {
    if (invoices->get_subcommands().empty()) {
      rs.run = [lo, &d] {
        return call_and_print_list(d, "/v1/billing/stripe/invoices" + list_query(*lo), "invoices",
                                   kInvoiceListColumns, lo->all);
      };
    }
  });
  auto gid = std::make_shared<std::string>();
  auto* iget = invoices->add_subcommand("get", "One invoice by its Secu id (sinv_…)");
  iget->add_option("invoice_id", *gid, "Secu invoice id (sinv_…)")->required();
  calls(iget, {"GET /v1/billing/stripe/invoices/{id}"});
  iget->callback([gid, &d, &rs] {
    rs.run = [gid, &d] {
      return call_and_print(d, "GET", "/v1/billing/stripe/invoices/" + *gid, nullptr,
                            kInvoiceColumns, "id");
    };
  });
}

}  // namespace secu::cli
