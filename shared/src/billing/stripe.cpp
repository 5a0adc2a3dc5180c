// Stripe invoicing without the network: periods, amounts, checks, Secu's invoice record.
#include "secu/billing_stripe.hpp"

#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/money.hpp"
#include "secu/store/org_contacts.hpp"
#include "secu/store/orgs.hpp"

namespace secu::billing::stripe {

namespace {

nlohmann::json progress_json(const store::StripeInvoiceRow& r) {
  nlohmann::json j = {{"status", r.status}};
  if (r.fees_item_id) j["fees_item_id"] = *r.fees_item_id;
  if (r.retainer_item_id) j["retainer_item_id"] = *r.retainer_item_id;
  if (r.stripe_invoice_id) j["stripe_invoice_id"] = *r.stripe_invoice_id;
  if (r.amount_due_cents) j["amount_due_cents"] = *r.amount_due_cents;
  return j;
}

}  // namespace

Result<std::optional<std::string>> customer_email(store::Db& db, const std::string& org_id) {
  SECU_TRY(auto settings, store::get_billing_settings(db, org_id));
  if (settings && settings->billing_email) return settings->billing_email;
  SECU_TRY(auto org, store::get_org(db, org_id));
  if (org && org->stripe_email) return org->stripe_email;
  return store::oldest_owner_email(db, org_id);
}

Result<AttachResult> attach_customer(store::WriteTx& tx, const std::string& org_id,
                                     const std::string& customer_id, const audit::Entry& base) {
  SECU_TRY(auto found, store::get_billing_settings(tx.db, org_id));
  AttachResult out;
  if (found && found->stripe_customer_id) {
    out.settings = *found;
    out.already_set = true;
    return out;
  }
  const int64_t now = now_ms();
  store::BillingSettingsRow s;
  if (found) {
    s = *found;
  } else {
    s.org_id = org_id;
    s.created_at = now;
  }
  s.stripe_customer_id = customer_id;
  s.stripe_enabled = true;
  s.updated_at = now;
  SECU_TRY_VOID(store::put_billing_settings(tx.db, s));
  audit::Entry e = base;
  e.org_id = org_id;
  e.action = "billing.stripe.customer.create";
  e.target = org_id;
  e.details = {{"stripe_customer_id", customer_id}, {"stripe_enabled", true}};
  SECU_TRY_VOID(audit::append(tx, e));
  out.settings = s;
  return out;
}

Result<Period> invoice_period(const std::optional<std::string>& from,
                              const std::optional<std::string>& to, int64_t now_ms) {
  Period p;
  if (!from && !to) {
    const Period current = utc_month(now_ms);
    return utc_month(current.from_ms - 1);  // the last full month
  }
  if (from) {
    auto t = parse_time(*from);
    if (!t.ok()) return Error::invalid("from must be an RFC 3339 time or a date", "from");
    p.from_ms = *t;
    p.to_ms = utc_month(p.from_ms).to_ms;
  }
  if (to) {
    auto t = parse_time(*to);
    if (!t.ok()) return Error::invalid("to must be an RFC 3339 time or a date", "to");
    p.to_ms = *t;
    if (!from) p.from_ms = utc_month(p.to_ms - 1).from_ms;
  }
  if (p.from_ms >= p.to_ms) return Error::invalid("from must be before to", "from");
  return p;
}

Status validate(const InvoiceRequest& req) {
  if (req.collection_method && *req.collection_method != "send_invoice" &&
      *req.collection_method != "charge_automatically") {
    return Error::invalid("collection_method must be send_invoice or charge_automatically",
                          "collection_method");
  }
  if (req.days_until_due && (*req.days_until_due < 0 || *req.days_until_due > 365)) {
    return Error::invalid("days_until_due must be between 0 and 365", "days_until_due");
  }
  // Stripe takes days_until_due only with send_invoice; saying both is a contradiction.
  if (req.days_until_due && req.collection_method &&
      *req.collection_method == "charge_automatically") {
    return Error::invalid("days_until_due applies to collection_method send_invoice only",
                          "days_until_due");
  }
  if (req.period.from_ms >= req.period.to_ms) {
    return Error::invalid("from must be before to", "from");
  }
  return {};
}

Result<Begun> begin_invoice(store::WriteTx& tx, const InvoiceRequest& req,
                            const audit::Entry& base) {
  SECU_TRY_VOID(validate(req));
  Begun out;
  SECU_TRY(auto existing,
           store::find_stripe_invoice(tx.db, req.org_id, req.period.from_ms, req.period.to_ms));
  if (existing) {
    out.row = *existing;
    out.existed = true;
    return out;
  }
  SECU_TRY(auto settings, store::get_billing_settings(tx.db, req.org_id));
  if (!settings || !settings->stripe_customer_id) {
    return Error::make(ErrorKind::kInvalid, "stripe_customer_missing",
                       "the org has no Stripe customer yet: create it first (POST "
                       "/v1/billing/stripe/customer, secuctl billing customer create)");
  }
  if (!settings->stripe_enabled) {
    return Error::make(ErrorKind::kInvalid, "stripe_disabled",
                       "Stripe billing is disabled for this org (billing settings "
                       "stripe_enabled is false)");
  }
  // Fees are metered in USD; billing them in another currency would need a conversion rate
  // Secu does not have.
  if (settings->currency != "usd") {
    return Error::make(
        ErrorKind::kInvalid, "currency_not_supported",
        "Secu invoices in usd only; the org's billing currency is " + settings->currency);
  }
  SECU_TRY(auto overlap, store::overlapping_stripe_invoice(tx.db, req.org_id, req.period.from_ms,
                                                           req.period.to_ms));
  if (overlap) {
    Error e = Error::conflict("invoice_period_overlap",
                              "another invoice of this org covers part of the period (" +
                                  format_rfc3339(overlap->period_start) + " to " +
                                  format_rfc3339(overlap->period_end) +
                                  "); its fees would be billed twice");
    e.extra["invoice_id"] = overlap->id;
    return e;
  }
  SECU_TRY(auto totals,
           store::billing_totals(tx.db, req.org_id, "", req.period.from_ms, req.period.to_ms));
  store::StripeInvoiceRow r;
  r.fee_micros = totals.fee_micros;
  r.fee_cents = money::micros_to_cents(totals.fee_micros);
  r.retainer_cents = money::micros_to_cents(settings->monthly_retainer_micros);
  r.total_cents = r.fee_cents + r.retainer_cents;
  if (r.total_cents <= 0) {
    return Error::make(ErrorKind::kInvalid, "nothing_to_invoice",
                       "nothing to invoice: the period has no fees and the org no retainer");
  }
  const int64_t now = now_ms();
  r.id = crypto::random_id("sinv_");
  r.org_id = req.org_id;
  r.period_start = req.period.from_ms;
  r.period_end = req.period.to_ms;
  r.stripe_customer_id = *settings->stripe_customer_id;
  r.currency = settings->currency;
  r.collection_method = req.collection_method.value_or(settings->collection_method);
  if (r.collection_method == "send_invoice") {
    r.days_until_due = req.days_until_due.value_or(settings->days_until_due);
  }
  r.status = "pending";
  r.created_at = now;
  r.updated_at = now;
  SECU_TRY_VOID(store::insert_stripe_invoice(tx.db, r));
  audit::Entry e = base;
  e.org_id = r.org_id;
  e.action = "billing.stripe.invoice.create";
  e.target = r.id;
  e.details = {{"period_start", format_rfc3339(r.period_start)},
               {"period_end", format_rfc3339(r.period_end)},
               {"stripe_customer_id", r.stripe_customer_id},
               {"fee_micros", r.fee_micros},
               {"fee_cents", r.fee_cents},
               {"retainer_cents", r.retainer_cents},
               {"total_cents", r.total_cents},
               {"collection_method", r.collection_method}};
  SECU_TRY_VOID(audit::append(tx, e));
  out.row = r;
  return out;
}

const char* to_string(Step s) {
  switch (s) {
    case Step::kFeesItem:
      return "fees_item";
    case Step::kRetainerItem:
      return "retainer_item";
    case Step::kInvoice:
      return "invoice";
    case Step::kFinalize:
      return "finalize";
  }
  return "unknown";
}

std::string idempotency_key(const store::StripeInvoiceRow& row, Step s) {
  return "secu-" + row.id + "-" + to_string(s);
}

Status record_step(store::WriteTx& tx, const store::StripeInvoiceRow& row, Step step,
                   const audit::Entry& base) {
  SECU_TRY(auto before, store::get_stripe_invoice(tx.db, row.id));
  if (!before) return Error::not_found("invoice");
  store::StripeInvoiceRow r = row;
  r.updated_at = now_ms();
  SECU_TRY_VOID(store::update_stripe_invoice(tx.db, r));
  audit::Entry e = base;
  e.org_id = r.org_id;
  e.action = std::string("billing.stripe.invoice.") + to_string(step);
  e.target = r.id;
  e.details = {{"before", progress_json(*before)}, {"after", progress_json(r)}};
  SECU_TRY_VOID(audit::append(tx, e));
  return {};
}

bool untouched(const store::StripeInvoiceRow& r) {
  return r.status == "pending" && !r.fees_item_id && !r.retainer_item_id && !r.stripe_invoice_id;
}

Result<bool> abandon(store::WriteTx& tx, const std::string& invoice_id, const Error& why,
                     const audit::Entry& base) {
  SECU_TRY(auto row, store::get_stripe_invoice(tx.db, invoice_id));
  if (!row || !untouched(*row)) return false;
  SECU_TRY_VOID(store::delete_stripe_invoice(tx.db, invoice_id));
  audit::Entry e = base;
  e.org_id = row->org_id;
  e.action = "billing.stripe.invoice.abandon";
  e.target = row->id;
  e.details = {{"period_start", format_rfc3339(row->period_start)},
               {"period_end", format_rfc3339(row->period_end)},
               {"error_code", why.code}};
  for (const char* k : {"stripe_status", "stripe_code"}) {
    if (auto it = why.extra.find(k); it != why.extra.end()) e.details[k] = it->second;
  }
  SECU_TRY_VOID(audit::append(tx, e));
  return true;
}

nlohmann::json invoice_json(const store::StripeInvoiceRow& r) {
  const int64_t due_cents = r.amount_due_cents.value_or(r.total_cents);
  nlohmann::json j = {{"id", r.id},
                      {"org_id", r.org_id},
                      {"period_start", format_rfc3339(r.period_start)},
                      {"period_end", format_rfc3339(r.period_end)},
                      {"status", r.status},
                      {"amount_due_usd", money::micros_to_usd(due_cents * 10'000)},
                      {"amount_due_cents", due_cents},
                      {"fees_usd", money::micros_to_usd(r.fee_cents * 10'000)},
                      {"fee_micros", r.fee_micros},
                      {"retainer_usd", money::micros_to_usd(r.retainer_cents * 10'000)},
                      {"currency", r.currency},
                      {"collection_method", r.collection_method},
                      {"stripe_customer_id", r.stripe_customer_id},
                      {"created_at", format_rfc3339(r.created_at)},
                      {"updated_at", format_rfc3339(r.updated_at)}};
  if (r.stripe_invoice_id) j["stripe_invoice_id"] = *r.stripe_invoice_id;
  if (r.days_until_due) j["days_until_due"] = *r.days_until_due;
  if (r.number) j["number"] = *r.number;
  if (r.hosted_invoice_url) j["hosted_invoice_url"] = *r.hosted_invoice_url;
  return j;
}

}  // namespace secu::billing::stripe
