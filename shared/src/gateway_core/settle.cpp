// Settlement of allowed gateway events: the reservation made by the decision becomes the
// metered cost, in one write job with the event's and the rollup's update.
#include "secu/gateway_core.hpp"

namespace secu::gateway_core {

namespace {

Status apply(store::WriteTx& tx, const store::BillingEventRow& before,
             const store::BillingEventRow& after) {
  SECU_TRY(bool changed, store::settle_billing_event(tx.db, before, after));
  if (!changed) return {};
  return store::add_to_budget_day(tx.db, before.agent_id, before.day, after.cost_micros,
                                  -before.authorized_cost_micros);
}

}  // namespace

Status settle(store::WriteTx& tx, const SettleInput& in) {
  SECU_TRY(auto found, store::get_billing_event(tx.db, in.event_id));
  if (!found || found->settled || !found->allow) return {};
  store::BillingEventRow after = *found;
  after.status_code = in.status_code;
  if (!in.upstream_answered) {
    after.cost_micros = 0;
    after.metering_source = "none";
  } else if (in.metered_micros) {
    after.cost_micros = *in.metered_micros;
    after.metering_source = "vendor_header";
  } else {
    after.cost_micros = found->authorized_cost_micros;
    after.metering_source = "declared";
  }
  // The fee is owed on actions the vendor answered; a call that never reached it costs
  // nothing, whatever the fee mode.
  after.fee_micros = billing::fee_micros(in.fees, after.cost_micros, in.upstream_answered);
  if (!in.error_code.empty()) after.error_code = in.error_code;
  return apply(tx, *found, after);
}

Result<int64_t> settle_orphans(store::WriteTx& tx, int64_t limit) {
  SECU_TRY(auto rows, store::unsettled_billing_events(tx.db, limit));
  for (const auto& before : rows) {
    store::BillingEventRow after = before;
    after.metering_source = "declared";
    after.error_code = "settlement_lost";
    SECU_TRY_VOID(apply(tx, before, after));
  }
  return static_cast<int64_t>(rows.size());
}

}  // namespace secu::gateway_core
