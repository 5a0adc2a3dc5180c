#include "secu/store/billing_settings.hpp"

#include <vector>

namespace secu::store {

namespace {

constexpr const char* kColumns =
    "SELECT org_id, stripe_customer_id, billing_email, monthly_retainer_micros, stripe_enabled, "
    "currency, collection_method, days_until_due, take_rate_bps, fee_mode, "
    "fee_per_action_micros, created_at, updated_at FROM billing_settings";

BillingSettingsRow read_row(const Stmt& q) {
  BillingSettingsRow s;
  s.org_id = q.text(0);
  s.stripe_customer_id = q.opt_text(1);
  s.billing_email = q.opt_text(2);
  s.monthly_retainer_micros = q.int64(3);
  s.stripe_enabled = q.int64(4) != 0;
  s.currency = q.text(5);
  s.collection_method = q.text(6);
  s.days_until_due = q.int64(7);
  s.take_rate_bps = q.opt_int64(8);
  s.fee_mode = q.opt_text(9);
  s.fee_per_action_micros = q.opt_int64(10);
  s.created_at = q.int64(11);
  s.updated_at = q.int64(12);
  return s;
}

}  // namespace

Result<std::optional<BillingSettingsRow>> get_billing_settings(Db& db, const std::string& org_id) {
  SECU_TRY(auto q, db.query(std::string(kColumns) + " WHERE org_id = ?1"));
  q.bind(1, org_id);
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<BillingSettingsRow>();
  return std::optional<BillingSettingsRow>(read_row(q));
}

Status put_billing_settings(Db& db, const BillingSettingsRow& s) {
  SECU_TRY(auto q,
           db.query("INSERT INTO billing_settings (org_id, stripe_customer_id, billing_email, "
                    "monthly_retainer_micros, stripe_enabled, currency, collection_method, "
                    "days_until_due, take_rate_bps, fee_mode, fee_per_action_micros, created_at, "
                    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
                    "ON CONFLICT (org_id) DO UPDATE SET stripe_customer_id = "
                    "excluded.stripe_customer_id, billing_email = excluded.billing_email, "
                    "monthly_retainer_micros = excluded.monthly_retainer_micros, stripe_enabled "
                    "= excluded.stripe_enabled, currency = excluded.currency, collection_method "
                    "= excluded.collection_method, days_until_due = excluded.days_until_due, "
                    "take_rate_bps = excluded.take_rate_bps, fee_mode = excluded.fee_mode, "
                    "fee_per_action_micros = excluded.fee_per_action_micros, updated_at = "
                    "excluded.updated_at"));
  q.bind_all(s.org_id, s.stripe_customer_id, s.billing_email, s.monthly_retainer_micros,
             s.stripe_enabled, s.currency, s.collection_method, s.days_until_due, s.take_rate_bps,
             s.fee_mode, s.fee_per_action_micros, s.created_at, s.updated_at);
  return q.run();
}

Result<std::vector<BillingSettingsRow>> list_billing_settings(Db& db, const std::string& org_id,
                                                              const std::string& after,
                                                              int64_t limit) {
  SECU_TRY(auto q, db.query(std::string(kColumns) +
                            " WHERE (?1 = '' OR org_id = ?1) AND org_id > ?2 ORDER BY org_id "
                            "LIMIT ?3"));
  q.bind_all(org_id, after, limit);
  std::vector<BillingSettingsRow> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) return out;
    out.push_back(read_row(q));
  }
}

}  // namespace secu::store
