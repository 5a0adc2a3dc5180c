// Stripe billing (contract): POST /v1/billing/stripe/customer, POST /v1/billing/stripe/invoice,
// GET /v1/billing/stripe/invoices, plus GET /v1/billing/stripe/invoices/{id}. The Stripe calls and
// their bookkeeping are integrations/stripe_billing.*; this file parses, scopes and renders.
#include <nlohmann/json.hpp>

#include "integrations/stripe_billing.hpp"
#include "secu/billing_stripe.hpp"
#include "secu/clock.hpp"
#include "secu/json_input.hpp"
#include "secu/store/list_query.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"
#include "server/scope.hpp"

namespace secu::daemon {

namespace {

StripeClient stripe_client(Ctx& c) {
  return Ctx::unwrap(StripeClient::from_config(*c.app().config()));
}

void post_customer(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  const auto org = r.str("org_id", {.required = true, .min_len = 1, .max_len = 64});
  CustomerRequest req;
  req.name = r.str("name", {.min_len = 1, .max_len = 256});
  req.email = r.str("email", {.min_len = 3, .max_len = 320});
  Ctx::unwrap(r.finish());
  if (req.email && !json::is_valid_email(*req.email)) {
    Ctx::fail(Error::invalid("email must be an email address", "email"));
  }
  req.org_id = org_for_write(c, org);
  const auto stripe = stripe_client(c);
  c.reply(200, Ctx::unwrap(daemon::create_customer(c.app().store(), stripe, req,
                                                   c.audit_entry({}, {}, {}, {}))));
}

void post_invoice(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  const auto org = r.str("org_id", {.required = true, .min_len = 1, .max_len = 64});
  const auto from = r.str("from", {.min_len = 1, .max_len = 64});
  const auto to = r.str("to", {.min_len = 1, .max_len = 64});
  billing::stripe::InvoiceRequest req;
  req.collection_method = r.str("collection_method", {.min_len = 1, .max_len = 32});
  req.days_until_due = r.integer("days_until_due", {.min = 0, .max = 365});
  Ctx::unwrap(r.finish());
  req.period = Ctx::unwrap(billing::stripe::invoice_period(from, to, now_ms()));
  Ctx::unwrap(billing::stripe::validate(req));
  req.org_id = org_for_write(c, org);
  const auto stripe = stripe_client(c);
  c.reply(200, Ctx::unwrap(daemon::create_invoice(c.app().store(), stripe, req,
                                                  c.audit_entry({}, {}, {}, {}))));
}

// Secu's own records: listing them needs no Stripe call, so it works with Stripe unconfigured
// (an operator who turned Stripe off still sees what was billed).
void list_invoices(Ctx& c) {
  const auto org_id = org_for_read(c);
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  std::vector<store::StripeInvoiceRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_stripe_invoices(db, org_id, page));
    return {};
  });
  const auto next = store::trim_page(rows, page.limit);
  nlohmann::json out = {{"invoices", nlohmann::json::array()}};
  for (const auto& row : rows)
    out["invoices"].push_back(billing::stripe::invoice_json(row));
  if (!next.empty()) out["next_cursor"] = next;
  c.reply(200, out);
}

void get_invoice(Ctx& c) {
  std::optional<store::StripeInvoiceRow> row;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(row, store::get_stripe_invoice(db, c.param(0)));
    return {};
  });
  if (!row) Ctx::fail(Error::not_found("invoice"));
  require_visible(c, row->org_id, "invoice");
  c.reply(200, billing::stripe::invoice_json(*row));
}

}  // namespace

void register_stripe_routes(RouteTable& t) {
  t.add("POST", "/v1/billing/stripe/customer", Access::kAdmin,
        "Create Stripe customer and attach to org (scoped by principal)", post_customer);
  t.add("POST", "/v1/billing/stripe/invoice", Access::kAdmin,
        "Create Stripe invoice for Secu fees (scoped by principal)", post_invoice);
  t.add("GET", "/v1/billing/stripe/invoices", Access::kViewer,
        "List Stripe invoices created by Secu (scoped by principal)", list_invoices);
  t.add("GET", "/v1/billing/stripe/invoices/{id}", Access::kViewer,
        "One Stripe invoice created by Secu (scoped by principal)", get_invoice);
}

}  // namespace secu::daemon
