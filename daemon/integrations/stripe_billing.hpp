// Stripe billing workflows: the customer of an org and the invoice of a period, each the
// sequence of Stripe calls (stripe_client.hpp) around Secu's own records (secu/billing_stripe.hpp).
//
// Crash safety of an invoice: Secu's row is committed before the first Stripe call; each Stripe
// step is recorded on it once Stripe answered; every call carries an idempotency key derived
// from the row. So after a crash anywhere, asking again finds the row and repeats only what is
// not recorded, and a step Stripe did but Secu did not record is answered from Stripe's
// idempotency cache (the same object, not a second one). A row Stripe refused outright before
// anything was made (a 4xx on the first call) is abandoned instead, so a fixed configuration
// (say, a new customer) is not pinned to that refusal. Invoices are made one at a time per
// process (a mutex), so two concurrent requests for one period never race on the same keys.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "integrations/stripe_client.hpp"
#include "secu/audit.hpp"
#include "secu/billing_stripe.hpp"
#include "secu/store.hpp"

namespace secu::daemon {

struct CustomerRequest {
  std::string org_id;
  std::optional<std::string> name;   // default: the org's name
  std::optional<std::string> email;  // default: billing_email, signup stripe_email, owner's
};
// The org's Stripe customer. When the org has one already: {org_id, stripe_customer_id,
// stripe_enabled, already_set: true} without calling Stripe. Otherwise POST /v1/customers
// (email, name, metadata[org_id]), saved in the billing settings with stripe_enabled on
// (audited), answered with already_set false plus the email and name sent.
Result<nlohmann::json> create_customer(store::Store& store, const StripeClient& stripe,
                                       const CustomerRequest& req, const audit::Entry& base);

// The org's invoice for req.period: made (invoice items for the fees and the retainer, the
// invoice with pending_invoice_items_behavior=include, then finalize), resumed when a previous
// attempt stopped half-way, or answered as it is when it exists. invoice_json plus
// already_exists (the row was there before this call) and resumed (it was half-made).
Result<nlohmann::json> create_invoice(store::Store& store, const StripeClient& stripe,
                                      const billing::stripe::InvoiceRequest& req,
                                      const audit::Entry& base);

}  // namespace secu::daemon
