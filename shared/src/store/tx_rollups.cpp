// Transaction stats over [from, to) at a cost that does not grow with the transfers table:
// whole hours come from tx_rollups, the partial edge hours from ledger_transfers itself. The
// unique payers and payees are distinct counts, which do not add up: whole days come from
// tx_parties_daily, the whole hours of the partial edge days from tx_parties_hourly, and the
// partial edge hours from the transfers, all under one COUNT(DISTINCT).
#include "tx_rollups.hpp"

#include <map>
#include <tuple>

namespace secu::store {

namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 86'400'000;

int64_t floor_to(int64_t ms, int64_t unit) {
  int64_t f = ms / unit * unit;
  if (f > ms) f -= unit;  // negative times
  return f;
}
int64_t ceil_to(int64_t ms, int64_t unit) {
  const int64_t f = floor_to(ms, unit);
  return f == ms ? f : f + unit;
}

// The scopes a transfer counts in: every org, its org, and the org it paid if another.
std::vector<std::string> scopes_of(const TransferRow& t) {
  std::vector<std::string> s = {"", t.org_id};
  if (t.to_org_id && !t.to_org_id->empty() && *t.to_org_id != t.org_id) s.push_back(*t.to_org_id);
  return s;
}

// As tx_parties counted them before the rollups: a payer is its agent (or the paying org), a
// payee its agent or external address.
std::string payer_of(const TransferRow& t) {
  return t.from_agent_id ? *t.from_agent_id : "org:" + t.org_id;
}
std::optional<std::string> payee_of(const TransferRow& t) {
  return t.to_agent_id ? t.to_agent_id : t.to_address;
}

// The scope condition on ledger_transfers for ?1 (an org, or "" for every org).
constexpr const char* kRawScope = "(?1 = '' OR org_id = ?1 OR to_org_id = ?1)";

}  // namespace

namespace detail {

Status add_to_tx_rollups(Db& db, const TransferRow& t, int sign) {
  if (t.kind != "transfer") return {};
  const int64_t hour = floor_to(t.created_at, kHourMs);
  const int64_t day = floor_to(t.created_at, kDayMs);
  const auto payee = payee_of(t);
  for (const auto& scope : scopes_of(t)) {
    SECU_TRY(auto q, db.query("INSERT INTO tx_rollups (scope, hour, rail, currency, status, "
                              "count, amount, amount_micros, fee_micros) VALUES (?1, ?2, ?3, ?4, "
                              "?5, ?6, ?7, ?8, ?9) ON CONFLICT (scope, hour, rail, currency, "
                              "status) DO UPDATE SET count = count + excluded.count, amount = "
                              "amount + excluded.amount, amount_micros = amount_micros + "
                              "excluded.amount_micros, fee_micros = fee_micros + "
                              "excluded.fee_micros"));
    q.bind_all(scope, hour, t.rail, t.currency, t.status, int64_t{sign}, sign * t.amount,
               sign * t.amount_micros, sign * t.fee_micros);
    SECU_TRY_VOID(q.run());
    if (sign < 0) continue;  // the parties of a transfer never change
    for (const auto& [role, party] :
         {std::pair<const char*, std::optional<std::string>>{"payer", payer_of(t)},
          {"payee", payee}}) {
      if (!party) continue;
      SECU_TRY(auto h, db.query("INSERT OR IGNORE INTO tx_parties_hourly (scope, hour, role, "
                                "party) VALUES (?1, ?2, ?3, ?4)"));
      h.bind_all(scope, hour, role, *party);
      SECU_TRY_VOID(h.run());
      SECU_TRY(auto d, db.query("INSERT OR IGNORE INTO tx_parties_daily (scope, day, role, "
                                "party) VALUES (?1, ?2, ?3, ?4)"));
      d.bind_all(scope, day, role, *party);
      SECU_TRY_VOID(d.run());
    }
  }
  return {};
}

}  // namespace detail

Result<std::vector<TxStatsRow>> tx_stats(Db& db, const std::string& org_id, int64_t from,
                                         int64_t to) {
  std::map<std::tuple<std::string, std::string, std::string>, TxStatsRow> sums;
  auto add = [&](Stmt& q) -> Status {
    for (;;) {
      SECU_TRY(bool row, q.step());
      if (!row) return {};
      auto& r = sums[{q.text(0), q.text(1), q.text(2)}];
      r.rail = q.text(0);
      r.currency = q.text(1);
      r.status = q.text(2);
      r.count += q.int64(3);
      r.amount += q.int64(4);
      r.amount_micros += q.int64(5);
      r.fee_micros += q.int64(6);
    }
  };
  auto raw = [&](int64_t a, int64_t b) -> Status {
    if (a >= b) return {};
    SECU_TRY(auto q, db.query(std::string("SELECT rail, currency, status, COUNT(*), "
                                          "COALESCE(SUM(amount), 0), COALESCE(SUM(amount_micros), "
                                          "0), COALESCE(SUM(fee_micros), 0) FROM ledger_transfers "
                                          "WHERE kind = 'transfer' AND created_at >= ?2 AND "
                                          "created_at < ?3 AND ") +
                              kRawScope + " GROUP BY rail, currency, status"));
    q.bind_all(org_id, a, b);
    return add(q);
  };
  if (from >= to) return std::vector<TxStatsRow>{};
  const int64_t first = ceil_to(from, kHourMs), last = floor_to(to, kHourMs);
  if (first >= last) {
    SECU_TRY_VOID(raw(from, to));
  } else {
    SECU_TRY_VOID(raw(from, first));
    SECU_TRY(auto q, db.query("SELECT rail, currency, status, SUM(count), SUM(amount), "
                              "SUM(amount_micros), SUM(fee_micros) FROM tx_rollups WHERE scope = "
                              "?1 AND hour >= ?2 AND hour < ?3 GROUP BY rail, currency, status"));
    q.bind_all(org_id, first, last);
    SECU_TRY_VOID(add(q));
    SECU_TRY_VOID(raw(last, to));
  }
  std::vector<TxStatsRow> out;
  for (auto& [k, r] : sums)
    if (r.count != 0) out.push_back(std::move(r));  // a bucket emptied by status changes
  return out;
}

Result<TxParties> tx_parties(Db& db, const std::string& org_id, int64_t from, int64_t to) {
  TxParties out;
  if (from >= to) return out;
  // [from, to) = raw [from, h1) + hourly [h1, d1) + daily [d1, d2) + hourly [d2, h2) + raw
  // [h2, to), each possibly empty; without a whole day, hourly covers [h1, h2).
  const int64_t h1 = ceil_to(from, kHourMs), h2 = floor_to(to, kHourMs);
  int64_t d1 = ceil_to(from, kDayMs), d2 = floor_to(to, kDayMs);
  if (d1 >= d2) d1 = d2 = h2;  // no whole day: the hourly sets cover the whole hours
  const bool whole_hours = h1 < h2;
  for (const char* role : {"payer", "payee"}) {
    const std::string raw_party = std::string(role) == "payer"
                                      ? "COALESCE(from_agent_id, 'org:' || org_id)"
                                      : "COALESCE(to_agent_id, to_address)";
    SECU_TRY(auto q,
             db.query("SELECT COUNT(DISTINCT p) FROM ("
                      "SELECT party AS p FROM tx_parties_daily WHERE scope = ?1 AND role = ?2 "
                      "AND day >= ?5 AND day < ?6 "
                      "UNION ALL SELECT party FROM tx_parties_hourly WHERE scope = ?1 AND role = "
                      "?2 AND hour >= ?3 AND hour < ?5 "
                      "UNION ALL SELECT party FROM tx_parties_hourly WHERE scope = ?1 AND role = "
                      "?2 AND hour >= ?6 AND hour < ?4 "
                      "UNION ALL SELECT " +
                      raw_party + " FROM ledger_transfers WHERE kind = 'transfer' AND " +
                      kRawScope + " AND created_at >= ?7 AND created_at < ?3 UNION ALL SELECT " +
                      raw_party + " FROM ledger_transfers WHERE kind = 'transfer' AND " +
                      kRawScope + " AND created_at >= ?4 AND created_at < ?8)"));
    // Without whole hours the raw part covers [from, to) alone.
    const int64_t a = whole_hours ? h1 : to, b = whole_hours ? h2 : to;
    q.bind_all(org_id, role, a, b, whole_hours ? d1 : to, whole_hours ? d2 : to, from, to);
    SECU_TRY(bool row, q.step());
    (std::string(role) == "payer" ? out.payers : out.payees) = row ? q.int64(0) : 0;
  }
  return out;
}

}  // namespace secu::store
