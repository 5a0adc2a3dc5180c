// Billing summaries over [from, to): totals come from the hourly rollups and the partial edge
// hours (store::billing_totals), so a month of a million events costs a few hundred row reads.
#include "secu/billing.hpp"
#include "secu/clock.hpp"
#include "secu/money.hpp"

namespace secu::billing {

namespace {

constexpr int64_t kDayMs = 86'400'000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y = yoe + era * 400 + (m <= 2);
}

}  // namespace

Period utc_month(int64_t ms) {
  int64_t y = 0, m = 0, d = 0;
  civil_from_days(utc_day_start(ms) / kDayMs, y, m, d);
  Period p;
  p.from_ms = days_from_civil(y, m, 1) * kDayMs;
  p.to_ms = (m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1)) * kDayMs;
  return p;
}

Result<Period> parse_period(const std::optional<std::string>& from,
                            const std::optional<std::string>& to, int64_t now_ms) {
  Period p = utc_month(now_ms);
  if (from) {
    auto t = parse_time(*from);
    if (!t.ok()) return Error::invalid("from must be an RFC 3339 time or a date", "from");
    p.from_ms = *t;
    if (!to) p.to_ms = now_ms + 1;  // up to and including now
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

Result<nlohmann::json> summary(store::Db& db, const SummaryRequest& req, const FeeSchedule& fees) {
  SECU_TRY(auto t, store::billing_totals(db, req.org_id, req.agent_id, req.period.from_ms,
                                         req.period.to_ms));
  nlohmann::json j = {{"from", format_rfc3339(req.period.from_ms)},
                      {"to", format_rfc3339(req.period.to_ms)},
                      {"total_events", t.total_events},
                      {"allowed_events", t.allowed_events},
                      {"denied_events", t.total_events - t.allowed_events},
                      {"total_cost_usd", money::micros_to_usd(t.cost_micros)},
                      {"total_fee_usd", money::micros_to_usd(t.fee_micros)},
                      {"total_cost_micros", t.cost_micros},
                      {"total_fee_micros", t.fee_micros},
                      {"take_rate_bps", fees.take_rate_bps},
                      {"fee_mode", to_string(fees.mode)},
                      {"fee_per_action_usd", money::micros_to_usd(fees.fee_per_action_micros)}};
  if (!req.org_id.empty()) j["org_id"] = req.org_id;
  if (!req.agent_id.empty()) j["agent_id"] = req.agent_id;
  return j;
}

}  // namespace secu::billing
