// Transaction stats rollups, kept by insert_transfer and update_transfer_outcome in the write
// that changes a transfer (private to the store: callers see tx_stats and tx_parties).
#pragma once

#include "secu/store/ledger.hpp"

namespace secu::store::detail {

// Adds (sign +1) or removes (sign -1) a transfer of kind "transfer" from the hourly totals of
// every scope it counts in: "" (every org), its org and the org it paid; with sign +1 also
// records its payer and payee in the hourly and daily party sets.
Status add_to_tx_rollups(Db& db, const TransferRow& t, int sign);

}  // namespace secu::store::detail
