// The stripe_invoices table: Secu's own (org_id, period_start, period_end) → Stripe invoice
// record. A row is inserted (status "pending") before the first Stripe call of an invoice and
// completed once Stripe finalized it; see migration 50 for why.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct StripeInvoiceRow {
  std::string id;  // sinv_…; also the stem of every Stripe idempotency key of this invoice
  std::string org_id;
  int64_t period_start = 0;  // ms, inclusive
  int64_t period_end = 0;    // ms, exclusive
  std::string stripe_customer_id;
  std::string currency;                   // "usd"
  std::string collection_method;          // send_invoice | charge_automatically
  std::optional<int64_t> days_until_due;  // send_invoice only
  int64_t fee_micros = 0;                 // the period's fees, exact
  int64_t fee_cents = 0;                  // rounded once, on the invoice line
  int64_t retainer_cents = 0;
  int64_t total_cents = 0;  // fee_cents + retainer_cents
  std::optional<std::string> fees_item_id;
  std::optional<std::string> retainer_item_id;
  std::optional<std::string> stripe_invoice_id;
  std::string status;  // pending, then Stripe's invoice status (open, paid, ...)
  std::optional<int64_t> amount_due_cents;  // Stripe's amount_due once finalized
  std::optional<std::string> number;
  std::optional<std::string> hosted_invoice_url;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Inserts a new row; kConflict when the org already has a row for that exact period.
Status insert_stripe_invoice(Db& db, const StripeInvoiceRow& r);
// Writes every mutable field (item ids, invoice id, status, amounts, url, updated_at).
Status update_stripe_invoice(Db& db, const StripeInvoiceRow& r);
Result<std::optional<StripeInvoiceRow>> get_stripe_invoice(Db& db, const std::string& id);
// Deletes the row; only for one that never reached Stripe (see billing::stripe::abandon).
Status delete_stripe_invoice(Db& db, const std::string& id);
// The org's row for exactly [period_start, period_end), if any.
Result<std::optional<StripeInvoiceRow>> find_stripe_invoice(Db& db, const std::string& org_id,
                                                            int64_t period_start,
                                                            int64_t period_end);
// The org's oldest row whose period overlaps [period_start, period_end) without being exactly
// it (a different period that would bill some fees twice).
Result<std::optional<StripeInvoiceRow>> overlapping_stripe_invoice(Db& db,
                                                                   const std::string& org_id,
                                                                   int64_t period_start,
                                                                   int64_t period_end);
// Newest first by (created_at, id); org_id "" = every org; up to page.limit + 1 rows.
Result<std::vector<StripeInvoiceRow>> list_stripe_invoices(Db& db, const std::string& org_id,
                                                           const PageRequest& page);

}  // namespace secu::store
