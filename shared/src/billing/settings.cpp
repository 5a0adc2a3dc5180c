// Per-org billing settings: validation, the audited update, and their JSON with the effective
// fee schedule.
#include <algorithm>

#include "secu/billing.hpp"
#include "secu/clock.hpp"
#include "secu/json_input.hpp"
#include "secu/money.hpp"

namespace secu::billing {

namespace {

constexpr int64_t kMaxMicros = 1'000'000'000LL * money::kMicrosPerUsd;  // 1e9 USD

bool valid_customer_id(std::string_view s) {
  if (s.size() < 5 || s.size() > 255 || s.substr(0, 4) != "cus_") return false;
  return std::all_of(s.begin() + 4, s.end(), [](unsigned char c) { return std::isalnum(c); });
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

nlohmann::json row_json(const store::BillingSettingsRow& s) {
  nlohmann::json j = {{"monthly_retainer_micros", s.monthly_retainer_micros},
                      {"stripe_enabled", s.stripe_enabled},
                      {"currency", s.currency},
                      {"collection_method", s.collection_method},
                      {"days_until_due", s.days_until_due}};
  if (s.stripe_customer_id) j["stripe_customer_id"] = *s.stripe_customer_id;
  if (s.billing_email) j["billing_email"] = *s.billing_email;
  if (s.take_rate_bps) j["take_rate_bps"] = *s.take_rate_bps;
  if (s.fee_mode) j["fee_mode"] = *s.fee_mode;
  if (s.fee_per_action_micros) j["fee_per_action_micros"] = *s.fee_per_action_micros;
  return j;
}

}  // namespace

Status validate(const SettingsChange& c) {
  if (c.stripe_customer_id && !valid_customer_id(*c.stripe_customer_id)) {
    return Error::invalid("stripe_customer_id must look like cus_…", "stripe_customer_id");
  }
  if (c.billing_email && !json::is_valid_email(*c.billing_email)) {
    return Error::invalid("billing_email must be an email address", "billing_email");
  }
  if (c.monthly_retainer_micros &&
      (*c.monthly_retainer_micros < 0 || *c.monthly_retainer_micros > kMaxMicros)) {
    return Error::invalid("monthly_retainer_usd must be a non-negative amount",
                          "monthly_retainer_usd");
  }
  if (c.currency) {
    const auto cur = lower(*c.currency);
    if (cur.size() != 3 ||
        !std::all_of(cur.begin(), cur.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; })) {
      return Error::invalid("currency must be a three-letter ISO 4217 code", "currency");
    }
  }
  if (c.collection_method && *c.collection_method != "send_invoice" &&
      *c.collection_method != "charge_automatically") {
    return Error::invalid("collection_method must be send_invoice or charge_automatically",
                          "collection_method");
  }
  if (c.days_until_due && (*c.days_until_due < 0 || *c.days_until_due > 365)) {
    return Error::invalid("days_until_due must be between 0 and 365", "days_until_due");
  }
  if (c.fee_mode) SECU_TRY_VOID(parse_fee_mode(*c.fee_mode));
  FeeSchedule s;
  s.take_rate_bps = c.take_rate_bps.value_or(0);
  s.fee_per_action_micros = c.fee_per_action_micros.value_or(0);
  return validate_fee_schedule(s);
}

Result<store::BillingSettingsRow> update_settings(store::WriteTx& tx, const std::string& org_id,
                                                  const SettingsChange& c,
                                                  const audit::Entry& base) {
  SECU_TRY_VOID(validate(c));
  SECU_TRY(auto found, store::get_billing_settings(tx.db, org_id));
  const int64_t now = now_ms();
  store::BillingSettingsRow s;
  if (found) {
    s = *found;
  } else {
    s.org_id = org_id;
    s.created_at = now;
  }
  const auto before = found ? row_json(*found) : nlohmann::json::object();
  if (c.stripe_customer_id) s.stripe_customer_id = c.stripe_customer_id;
  if (c.billing_email) s.billing_email = json::normalize_email(*c.billing_email);
  if (c.monthly_retainer_micros) s.monthly_retainer_micros = *c.monthly_retainer_micros;
  if (c.stripe_enabled) s.stripe_enabled = *c.stripe_enabled;
  if (c.currency) s.currency = lower(*c.currency);
  if (c.collection_method) s.collection_method = *c.collection_method;
  if (c.days_until_due) s.days_until_due = *c.days_until_due;
  if (c.take_rate_bps) s.take_rate_bps = c.take_rate_bps;
  if (c.fee_mode) s.fee_mode = c.fee_mode;
  if (c.fee_per_action_micros) s.fee_per_action_micros = c.fee_per_action_micros;
  s.updated_at = now;
  SECU_TRY_VOID(store::put_billing_settings(tx.db, s));
  audit::Entry e = base;
  e.org_id = org_id;
  e.action = "billing.settings.update";
  e.target = org_id;
  e.details = {{"before", before}, {"after", row_json(s)}};
  SECU_TRY_VOID(audit::append(tx, e));
  return s;
}

FeeSchedule fees_for(const FeeSchedule& defaults,
                     const std::optional<store::BillingSettingsRow>& row) {
  if (!row) return defaults;
  FeeOverride o;
  if (row->fee_mode) {
    if (auto m = parse_fee_mode(*row->fee_mode); m.ok()) o.mode = *m;
  }
  o.take_rate_bps = row->take_rate_bps;
  o.fee_per_action_micros = row->fee_per_action_micros;
  return effective_fees(defaults, o);
}

nlohmann::json settings_json(const std::string& org_id,
                             const std::optional<store::BillingSettingsRow>& row,
                             const FeeSchedule& defaults) {
  const store::BillingSettingsRow s = row.value_or(store::BillingSettingsRow{});
  const FeeSchedule fees = fees_for(defaults, row);
  const bool overridden =
      row && (row->fee_mode || row->take_rate_bps || row->fee_per_action_micros);
  nlohmann::json j = {{"org_id", org_id},
                      {"monthly_retainer_usd", money::micros_to_usd(s.monthly_retainer_micros)},
                      {"stripe_enabled", s.stripe_enabled},
                      {"currency", s.currency},
                      {"collection_method", s.collection_method},
                      {"days_until_due", s.days_until_due},
                      {"take_rate_bps", fees.take_rate_bps},
                      {"fee_mode", to_string(fees.mode)},
                      {"fee_per_action_usd", money::micros_to_usd(fees.fee_per_action_micros)},
                      {"fee_source", overridden ? "org" : "default"}};
  if (s.stripe_customer_id) j["stripe_customer_id"] = *s.stripe_customer_id;
  if (s.billing_email) j["billing_email"] = *s.billing_email;
  if (row) j["updated_at"] = format_rfc3339(row->updated_at);
  return j;
}

nlohmann::json stored_settings_json(const store::BillingSettingsRow& row) {
  nlohmann::json j = {{"org_id", row.org_id},
                      {"monthly_retainer_usd", money::micros_to_usd(row.monthly_retainer_micros)},
                      {"stripe_enabled", row.stripe_enabled},
                      {"currency", row.currency},
                      {"collection_method", row.collection_method},
                      {"days_until_due", row.days_until_due},
                      {"updated_at", format_rfc3339(row.updated_at)}};
  if (row.stripe_customer_id) j["stripe_customer_id"] = *row.stripe_customer_id;
  if (row.billing_email) j["billing_email"] = *row.billing_email;
  if (row.take_rate_bps) j["take_rate_bps"] = *row.take_rate_bps;
  if (row.fee_mode) j["fee_mode"] = *row.fee_mode;
  if (row.fee_per_action_micros)
    j["fee_per_action_usd"] = money::micros_to_usd(*row.fee_per_action_micros);
  return j;
}

}  // namespace secu::billing
