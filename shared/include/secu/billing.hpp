// Billing telemetry: the BillingEvent and BillingSummary shapes, summary periods, and the
// per-org billing settings (which also override the daemon's fee defaults). The arithmetic is
// secu/billing_math.hpp; storage is secu/store/billing_events.hpp and billing_settings.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "secu/audit.hpp"
#include "secu/billing_math.hpp"
#include "secu/store.hpp"
#include "secu/store/billing_events.hpp"
#include "secu/store/billing_settings.hpp"

namespace secu::billing {

// ---- events ----------------------------------------------------------------------------------

// Every field of the contract's BillingEvent (id, request_id, org_id, agent_id, key, action,
// allow, status_code, authorized_cost_usd, cost_usd, fee_usd, policy_id, deny_reason,
// metering_source, timestamp) plus vendor_id, method, path, approval_id, error_code, settled
// and the integer micro-USD amounts (*_micros). policy_id and deny_reason are left out when
// there is none.
nlohmann::json event_json(const store::BillingEventRow& e);

// ---- summaries -------------------------------------------------------------------------------

struct Period {
  int64_t from_ms = 0;  // inclusive
  int64_t to_ms = 0;    // exclusive
};
// `from` / `to` as RFC 3339 times or dates (a date is its 00:00 UTC); absent → the current UTC
// month ([first day 00:00, first day of next month 00:00)); an absent `to` with a `from` is
// now. 400 (field from / to) when unparsable or when from ≥ to.
Result<Period> parse_period(const std::optional<std::string>& from,
                            const std::optional<std::string>& to, int64_t now_ms);
// [start, end) of the UTC calendar month holding `ms`.
Period utc_month(int64_t ms);

struct SummaryRequest {
  std::string org_id;    // "" = every org (platform admin)
  std::string agent_id;  // "" = every agent
  Period period;
};
// BillingSummary: from, to, org_id?, agent_id?, total_events, allowed_events, denied_events
// (every event that was not allowed: policy and budget denials, pending approvals),
// total_cost_usd, total_fee_usd, take_rate_bps, fee_mode, fee_per_action_usd (the effective
// fee schedule `fees`), plus total_cost_micros and total_fee_micros (exact integers).
Result<nlohmann::json> summary(store::Db& db, const SummaryRequest& req, const FeeSchedule& fees);

// ---- settings --------------------------------------------------------------------------------

// A change to an org's settings; absent fields keep their value.
struct SettingsChange {
  std::optional<std::string> stripe_customer_id;
  std::optional<std::string> billing_email;
  std::optional<int64_t> monthly_retainer_micros;
  std::optional<bool> stripe_enabled;
  std::optional<std::string> currency;
  std::optional<std::string> collection_method;
  std::optional<int64_t> days_until_due;
  std::optional<int64_t> take_rate_bps;
  std::optional<std::string> fee_mode;
  std::optional<int64_t> fee_per_action_micros;
};
// Field by field, before anything is written: 400 with the field. stripe_customer_id "cus_…",
// billing_email an address, currency three letters (stored lower case), collection_method
// send_invoice | charge_automatically, days_until_due 0..365, take_rate_bps 0..10,000,
// fee_mode take_rate | per_action, money non-negative.
Status validate(const SettingsChange& c);
// Applies the change to the org's row (created on first write) and audits it
// (billing.settings.update, before/after).
Result<store::BillingSettingsRow> update_settings(store::WriteTx& tx, const std::string& org_id,
                                                  const SettingsChange& c,
                                                  const audit::Entry& base);

// The org's fee schedule: its overrides over the daemon's defaults.
FeeSchedule fees_for(const FeeSchedule& defaults,
                     const std::optional<store::BillingSettingsRow>& row);
// BillingSettings: org_id, stripe_customer_id?, billing_email?, monthly_retainer_usd,
// stripe_enabled, currency, collection_method, days_until_due, and the effective take_rate_bps,
// fee_mode, fee_per_action_usd, and fee_source: "org" when the org overrides any fee field,
// "default" otherwise.
nlohmann::json settings_json(const std::string& org_id,
                             const std::optional<store::BillingSettingsRow>& row,
                             const FeeSchedule& defaults);
// A stored row as it is (the state snapshot, which does not know the daemon's defaults): the
// same fields, fee fields only where the org overrides them.
nlohmann::json stored_settings_json(const store::BillingSettingsRow& row);

}  // namespace secu::billing
