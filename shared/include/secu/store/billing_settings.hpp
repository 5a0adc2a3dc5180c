// The billing_settings table: one row per org (absent = every default). Fee fields left NULL
// inherit the daemon's defaults (config fee_mode, take_rate_bps, fee_per_action_usd).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"

namespace secu::store {

struct BillingSettingsRow {
  std::string org_id;
  std::optional<std::string> stripe_customer_id;
  std::optional<std::string> billing_email;
  int64_t monthly_retainer_micros = 0;
  bool stripe_enabled = false;
  std::string currency = "usd";
  std::string collection_method = "send_invoice";  // send_invoice | charge_automatically
  int64_t days_until_due = 30;
  std::optional<int64_t> take_rate_bps;
  std::optional<std::string> fee_mode;  // take_rate | per_action
  std::optional<int64_t> fee_per_action_micros;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// The org's row, if one was ever written.
Result<std::optional<BillingSettingsRow>> get_billing_settings(Db& db, const std::string& org_id);
// Inserts or replaces every field of the org's row.
Status put_billing_settings(Db& db, const BillingSettingsRow& s);
// Every stored row with org_id > `after`, in org_id order, at most `limit` (the state export).
Result<std::vector<BillingSettingsRow>> list_billing_settings(Db& db, const std::string& org_id,
                                                              const std::string& after,
                                                              int64_t limit);

}  // namespace secu::store
