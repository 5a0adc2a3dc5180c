// Transaction stats over [from, to): integer sums from the transfers table, floats at the edge.
#include <map>

#include "secu/clock.hpp"
#include "secu/money.hpp"
#include "secu/tx.hpp"

namespace secu::tx {

namespace {
constexpr int64_t kThirtyDaysMs = 30LL * 86'400'000;
}  // namespace

Result<StatsPeriod> parse_stats_period(const std::optional<std::string>& from,
                                       const std::optional<std::string>& to, int64_t now_ms) {
  StatsPeriod p;
  p.to_ms = now_ms;
  if (to) {
    auto t = parse_time(*to);
    if (!t.ok()) return Error::invalid("to must be an RFC 3339 time or a date", "to");
    p.to_ms = *t;
  }
  p.from_ms = p.to_ms - kThirtyDaysMs;
  if (from) {
    auto f = parse_time(*from);
    if (!f.ok()) return Error::invalid("from must be an RFC 3339 time or a date", "from");
    p.from_ms = *f;
  }
  if (p.from_ms >= p.to_ms) return Error::invalid("from must be before to", "from");
  return p;
}

Result<nlohmann::json> stats(store::Db& db, const std::string& org_id, const StatsPeriod& p,
                             bool identifying) {
  SECU_TRY(auto rows, store::tx_stats(db, org_id, p.from_ms, p.to_ms));
  SECU_TRY(auto parties, store::tx_parties(db, org_id, p.from_ms, p.to_ms));
  int64_t count = 0, settled = 0, pending = 0, failed = 0, volume_micros = 0, fee_micros = 0;
  struct Volume {
    int64_t count = 0, amount = 0, micros = 0;
  };
  std::map<std::pair<std::string, std::string>, Volume> volume;
  for (const auto& r : rows) {
    count += r.count;
    if (r.status == "settled") {
      settled += r.count;
      auto& v = volume[{r.rail, r.currency}];
      v.count += r.count;
      v.amount += r.amount;
      v.micros += r.amount_micros;
      volume_micros += r.amount_micros;
      fee_micros += r.fee_micros;
    } else if (r.status == "pending") {
      pending += r.count;
    } else {
      failed += r.count;
    }
  }
  nlohmann::json out = {{"from", format_rfc3339(p.from_ms)},
                        {"to", format_rfc3339(p.to_ms)},
                        {"count", count},
                        {"settled", settled},
                        {"pending", pending},
                        {"failed", failed},
                        {"volume", nlohmann::json::array()},
                        {"volume_usd", money::micros_to_usd(volume_micros)},
                        {"volume_micros", volume_micros},
                        {"unique_payers", parties.payers},
                        {"unique_payees", parties.payees},
                        {"fees_usd", money::micros_to_usd(fee_micros)},
                        {"fees_micros", fee_micros}};
  if (identifying && !org_id.empty()) out["org_id"] = org_id;
  for (const auto& [k, v] : volume) {
    out["volume"].push_back({{"rail", k.first},
                             {"currency", k.second},
                             {"count", v.count},
                             {"amount", v.amount},
                             {"amount_usd", money::micros_to_usd(v.micros)},
                             {"amount_micros", v.micros}});
  }
  return out;
}

}  // namespace secu::tx
