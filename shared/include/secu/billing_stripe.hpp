// Stripe invoicing, the part that needs no network: which period an invoice covers, what it
// bills, the checks before anything is sent to Stripe, Secu's own invoice record (written
// before the first Stripe call, completed after, every change audited) and its JSON. The
// Stripe calls themselves are the daemon's (daemon/integrations/stripe_billing.*).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "secu/audit.hpp"
#include "secu/billing.hpp"
#include "secu/store.hpp"
#include "secu/store/billing_settings.hpp"
#include "secu/store/stripe_invoices.hpp"

namespace secu::billing::stripe {

// ---- customers -------------------------------------------------------------------------------

// The email a new Stripe customer gets: the org's billing_email, else the stripe_email given
// at signup, else its oldest owner's; nullopt when none is known (Stripe allows that).
Result<std::optional<std::string>> customer_email(store::Db& db, const std::string& org_id);

struct AttachResult {
  store::BillingSettingsRow settings;
  bool already_set = false;  // the org had a customer: kept, nothing written
};
// Saves `customer_id` as the org's stripe_customer_id and turns stripe_enabled on, audited as
// billing.stripe.customer.create. When the org got a customer meanwhile (a concurrent call),
// keeps that one and writes nothing.
Result<AttachResult> attach_customer(store::WriteTx& tx, const std::string& org_id,
                                     const std::string& customer_id, const audit::Entry& base);

// ---- invoices --------------------------------------------------------------------------------

// The period of an invoice request: both absent → the last full UTC calendar month before
// `now_ms`; only `from` → up to the end of from's UTC month; only `to` → from the start of the
// UTC month holding the instant before `to`. Dates or RFC 3339 times; 400 (field from / to)
// when unparsable or from ≥ to.
Result<Period> invoice_period(const std::optional<std::string>& from,
                              const std::optional<std::string>& to, int64_t now_ms);

struct InvoiceRequest {
  std::string org_id;
  Period period;
  std::optional<std::string> collection_method;  // overrides the org's settings
  std::optional<int64_t> days_until_due;         // overrides the org's settings
};
// The request's own fields, before anything is read: 400 with the field.
Status validate(const InvoiceRequest& req);

struct Begun {
  store::StripeInvoiceRow row;
  bool existed = false;  // the org's row for this period was there already
};
// One write job. The org's row for exactly this period when there is one (complete or to be
// resumed). Otherwise, in this order: 400 stripe_customer_missing / stripe_disabled /
// currency_not_supported from the settings; 409 invoice_period_overlap when another of the
// org's invoices covers part of the period; the period's fees (micro-USD, rounded to cents once)
// plus the monthly retainer; 400 nothing_to_invoice when that is zero cents; then a new
// "pending" row, audited as billing.stripe.invoice.create.
Result<Begun> begin_invoice(store::WriteTx& tx, const InvoiceRequest& req,
                            const audit::Entry& base);

// The Stripe steps of an invoice, in order; each is recorded on the row when it succeeded.
enum class Step { kFeesItem, kRetainerItem, kInvoice, kFinalize };
const char* to_string(Step s);
// The Idempotency-Key of a step: stable for the row, so a resumed invoice repeats the calls it
// may have made already and Stripe answers them from its idempotency cache.
std::string idempotency_key(const store::StripeInvoiceRow& row, Step s);

// Writes the row's progress after `step` succeeded at Stripe (the caller set the ids and, after
// kFinalize, status, amount_due_cents, number and hosted_invoice_url), audited as
// billing.stripe.invoice.<step> with the Stripe id. 404 when the row is gone.
Status record_step(store::WriteTx& tx, const store::StripeInvoiceRow& row, Step step,
                   const audit::Entry& base);

// Whether Stripe holds nothing of the invoice yet (no item, no invoice recorded).
bool untouched(const store::StripeInvoiceRow& row);
// Deletes a row that is still untouched after Stripe refused its first call outright (an error
// answer, not a timeout: nothing was made), audited as billing.stripe.invoice.abandon with
// Stripe's code. Without this, a refusal that Stripe caches under the idempotency key (e.g. a
// customer deleted on Stripe's side) would pin the period to that failure; abandoned, the next
// request starts afresh from the current settings with new keys. False (nothing written) when
// the row is gone or no longer untouched.
Result<bool> abandon(store::WriteTx& tx, const std::string& invoice_id, const Error& why,
                     const audit::Entry& base);

// StripeInvoice (org_id, period_start, period_end, stripe_invoice_id, created_at) plus id,
// status, amount_due_usd (Stripe's once finalized, Secu's total before), fees_usd,
// fee_micros, retainer_usd, currency, collection_method, days_until_due?,
// stripe_customer_id, number?, hosted_invoice_url?, updated_at. Absent values are left out.
nlohmann::json invoice_json(const store::StripeInvoiceRow& row);

}  // namespace secu::billing::stripe
