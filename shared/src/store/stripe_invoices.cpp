#include "secu/store/stripe_invoices.hpp"

#include "secu/store/list_query.hpp"

namespace secu::store {

namespace {

constexpr const char* kColumns =
    "SELECT id, org_id, period_start, period_end, stripe_customer_id, currency, "
    "collection_method, days_until_due, fee_micros, fee_cents, retainer_cents, total_cents, "
    "fees_item_id, retainer_item_id, stripe_invoice_id, status, amount_due_cents, number, "
    "hosted_invoice_url, created_at, updated_at FROM stripe_invoices";

StripeInvoiceRow read_row(const Stmt& q) {
  StripeInvoiceRow r;
  r.id = q.text(0);
  r.org_id = q.text(1);
  r.period_start = q.int64(2);
  r.period_end = q.int64(3);
  r.stripe_customer_id = q.text(4);
  r.currency = q.text(5);
  r.collection_method = q.text(6);
  r.days_until_due = q.opt_int64(7);
  r.fee_micros = q.int64(8);
  r.fee_cents = q.int64(9);
  r.retainer_cents = q.int64(10);
  r.total_cents = q.int64(11);
  r.fees_item_id = q.opt_text(12);
  r.retainer_item_id = q.opt_text(13);
  r.stripe_invoice_id = q.opt_text(14);
  r.status = q.text(15);
  r.amount_due_cents = q.opt_int64(16);
  r.number = q.opt_text(17);
  r.hosted_invoice_url = q.opt_text(18);
  r.created_at = q.int64(19);
  r.updated_at = q.int64(20);
  return r;
}

Result<std::optional<StripeInvoiceRow>> one(Stmt& q) {
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<StripeInvoiceRow>();
  return std::optional<StripeInvoiceRow>(read_row(q));
}

}  // namespace

Status insert_stripe_invoice(Db& db, const StripeInvoiceRow& r) {
  SECU_TRY(auto q,
           db.query("INSERT INTO stripe_invoices (id, org_id, period_start, period_end, "
                    "stripe_customer_id, currency, collection_method, days_until_due, fee_micros, "
                    "fee_cents, retainer_cents, total_cents, fees_item_id, retainer_item_id, "
                    "stripe_invoice_id, status, amount_due_cents, number, hosted_invoice_url, "
                    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                    "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)"));
  q.bind_all(r.id, r.org_id, r.period_start, r.period_end, r.stripe_customer_id, r.currency,
             r.collection_method, r.days_until_due, r.fee_micros, r.fee_cents, r.retainer_cents,
             r.total_cents, r.fees_item_id, r.retainer_item_id, r.stripe_invoice_id, r.status,
             r.amount_due_cents, r.number, r.hosted_invoice_url, r.created_at, r.updated_at);
  return q.run();
}

Status update_stripe_invoice(Db& db, const StripeInvoiceRow& r) {
  SECU_TRY(auto q, db.query("UPDATE stripe_invoices SET fees_item_id = ?2, retainer_item_id = ?3, "
                            "stripe_invoice_id = ?4, status = ?5, amount_due_cents = ?6, "
                            "number = ?7, hosted_invoice_url = ?8, updated_at = ?9 WHERE id = ?1"));
  q.bind_all(r.id, r.fees_item_id, r.retainer_item_id, r.stripe_invoice_id, r.status,
             r.amount_due_cents, r.number, r.hosted_invoice_url, r.updated_at);
  return q.run();
}

Result<std::optional<StripeInvoiceRow>> get_stripe_invoice(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE id = ?1"));
  q.bind(1, id);
  return one(q);
}

Status delete_stripe_invoice(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query("DELETE FROM stripe_invoices WHERE id = ?1"));
  q.bind(1, id);
  return q.run();
}

Result<std::optional<StripeInvoiceRow>> find_stripe_invoice(Db& db, const std::string& org_id,
                                                            int64_t period_start,
                                                            int64_t period_end) {
  SECU_TRY(auto q, db.query(std::string(kColumns) +
                            " WHERE org_id = ?1 AND period_start = ?2 AND period_end = ?3"));
  q.bind_all(org_id, period_start, period_end);
  return one(q);
}

Result<std::optional<StripeInvoiceRow>> overlapping_stripe_invoice(Db& db,
                                                                   const std::string& org_id,
                                                                   int64_t period_start,
                                                                   int64_t period_end) {
  SECU_TRY(auto q, db.query(std::string(kColumns) +
                            " WHERE org_id = ?1 AND period_start < ?3 AND period_end > ?2 AND NOT "
                            "(period_start = ?2 AND period_end = ?3) ORDER BY created_at, id "
                            "LIMIT 1"));
  q.bind_all(org_id, period_start, period_end);
  return one(q);
}

Result<std::vector<StripeInvoiceRow>> list_stripe_invoices(Db& db, const std::string& org_id,
                                                           const PageRequest& page) {
  std::vector<StripeInvoiceRow> out;
  SECU_TRY_VOID(list_page(db, kColumns, {{"org_id", org_id}}, page, [&](Stmt& q) -> Status {
    out.push_back(read_row(q));
    return {};
  }));
  return out;
}

}  // namespace secu::store
