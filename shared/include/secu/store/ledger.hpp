// The ledger's tables: ledger_accounts (with the cached balance and held amount),
// ledger_entries, ledger_transfers and ledger_holds. Plain row access; the double-entry rules
// (balanced entries, no wallet below zero, holds) are secu/ledger.hpp's.
// Thread-safety: as Db. Writes only inside Store::write jobs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct AccountRow {
  std::string id;          // wal_…
  std::string org_id;      // "" for system accounts
  std::string owner_type;  // agent | org | system
  std::string owner_id;    // the agent's or org's id; the system account's name
  std::string currency;
  std::optional<std::string> network;
  int64_t balance = 0;  // cached SUM of the account's entries
  int64_t held = 0;     // cached SUM of its pending holds
  bool allow_negative = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

Status insert_account(Db& db, const AccountRow& a);
Result<std::optional<AccountRow>> get_account(Db& db, const std::string& id);
Result<std::optional<AccountRow>> find_account(Db& db, const std::string& owner_type,
                                               const std::string& owner_id,
                                               const std::string& currency);
// Newest first; empty filters skipped (owner_type/owner_id narrow to one owner's wallets).
Result<std::vector<AccountRow>> list_accounts(Db& db, const std::string& org_id,
                                              const std::string& owner_type,
                                              const std::string& owner_id, const PageRequest& page);
// Adds `delta` to the cached balance. False (nothing changed) when the account would fall
// below its held amount (or below zero) and may not go negative.
Result<bool> add_to_balance(Db& db, const std::string& id, int64_t delta, int64_t now);
// Adds `delta` to the held amount. False when a positive delta exceeds what is available.
Result<bool> add_to_held(Db& db, const std::string& id, int64_t delta, int64_t now);

struct EntryRow {
  int64_t id = 0;
  std::string transfer_id;
  std::string account_id;
  std::string currency;
  int64_t amount = 0;  // signed: credit > 0, debit < 0
  int64_t created_at = 0;
};
Status insert_entry(Db& db, const EntryRow& e);
Result<std::vector<EntryRow>> entries_of_transfer(Db& db, const std::string& transfer_id);

struct TransferRow {
  std::string id;  // tx_…
  std::string org_id;
  std::string kind;    // funding | transfer
  std::string rail;    // internal | x402 | stripe | funding
  std::string status;  // settled | pending | failed
  std::string currency;
  int64_t amount = 0;
  int64_t amount_micros = 0;
  int64_t fee_micros = 0;
  std::string from_account_id;
  std::string to_account_id;
  std::optional<std::string> from_agent_id;
  std::optional<std::string> to_agent_id;
  std::optional<std::string> to_org_id;
  std::optional<std::string> to_address;
  std::optional<std::string> network;
  std::optional<std::string> asset;
  std::optional<std::string> mandate_id;
  std::string metadata = "{}";  // JSON object of strings
  std::optional<std::string> idempotency_key;
  std::optional<std::string> body_hash;
  std::optional<std::string> external_ref;
  std::optional<std::string> failure_code;
  std::optional<std::string> event_id;
  std::optional<std::string> approval_id;
  std::string actor_type;
  std::string actor_id;
  std::string request_id;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};
Status insert_transfer(Db& db, const TransferRow& t);
// Writes status, external_ref, failure_code, fee_micros and updated_at.
Status update_transfer_outcome(Db& db, const TransferRow& t);
Result<std::optional<TransferRow>> get_transfer(Db& db, const std::string& id);
Result<std::optional<TransferRow>> find_transfer_by_idempotency(Db& db,
                                                                const std::string& from_agent_id,
                                                                const std::string& key);
// Newest first. org_id: transfers paid or received by the org ("" = all); account_id: those
// moving money out of or into the account ("" = all).
Result<std::vector<TransferRow>> list_transfers(Db& db, const std::string& org_id,
                                                const std::string& account_id,
                                                const PageRequest& page);

struct HoldRow {
  std::string id;  // hold_…
  std::string transfer_id;
  std::string account_id;
  int64_t amount = 0;
  std::string status;  // pending | posted | voided | expired
  int64_t expires_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};
Status insert_hold(Db& db, const HoldRow& h);
Result<std::optional<HoldRow>> get_hold(Db& db, const std::string& id);
Result<std::optional<HoldRow>> pending_hold_of_transfer(Db& db, const std::string& transfer_id);
// Moves a pending hold to `status`; false when it was not pending any more.
Result<bool> finish_hold(Db& db, const std::string& id, const std::string& status, int64_t now);
Result<std::vector<HoldRow>> expired_holds(Db& db, int64_t now, int64_t limit);

// ---- reconciliation ----
struct CurrencySum {
  std::string currency;
  int64_t entries = 0;
  int64_t sum = 0;
};
// SUM(amount) of all entries per currency.
Result<std::vector<CurrencySum>> entry_sums(Db& db);
struct AccountCheck {
  std::string account_id;
  std::string currency;
  int64_t cached_balance = 0;
  int64_t derived_balance = 0;
  int64_t cached_held = 0;
  int64_t derived_held = 0;
};
// Every account of the org ("" = every account) with its cached and derived figures.
Result<std::vector<AccountCheck>> account_checks(Db& db, const std::string& org_id);
// Transfers whose entries do not sum to zero, of the org ("" = all).
Result<std::vector<std::string>> unbalanced_transfers(Db& db, const std::string& org_id);

// ---- stats ----
struct TxStatsRow {
  std::string rail;
  std::string currency;
  std::string status;
  int64_t count = 0;
  int64_t amount = 0;
  int64_t amount_micros = 0;
  int64_t fee_micros = 0;
};
// Transfers of kind "transfer" created in [from, to), of the org (paid or received; "" = all),
// grouped by rail, currency and status.
Result<std::vector<TxStatsRow>> tx_stats(Db& db, const std::string& org_id, int64_t from,
                                         int64_t to);
struct TxParties {
  int64_t payers = 0;
  int64_t payees = 0;
};
Result<TxParties> tx_parties(Db& db, const std::string& org_id, int64_t from, int64_t to);

}  // namespace secu::store
