// The double-entry ledger (DESIGN.md "Money"): every movement of money is one transfer made of
// entries whose signed amounts (integer minor units of one currency) sum to zero. Balances are
// derived from the entries; each account caches its running balance and held amount, updated
// in the same write job as the entries and holds that change them, and reconcile() checks both
// against the entries.
//
// Invariants (all kept inside one write job on the store's single writer):
//  1. post() writes balanced legs only (400 otherwise); SUM(entries.amount) = 0 per currency.
//  2. A wallet (agent or org account) never goes below zero, nor below what it holds:
//     available = balance − held ≥ 0. A leg that would break it fails the job with 409
//     insufficient_funds, so nothing of the transfer moved. System accounts (funding,
//     settlement, fees) may go negative: the funding account's balance is minus everything
//     ever funded.
//  3. A hold sets funds aside for a transfer in flight on an external rail: pending → posted
//     (its entries are written) | voided (the rail failed) | expired (never finished).
// Thread-safety: write functions only inside Store::write jobs; reads on any connection.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secu/audit.hpp"
#include "secu/store.hpp"
#include "secu/store/ledger.hpp"

namespace secu::ledger {

// Names of the system accounts (owner_type "system").
inline constexpr std::string_view kFunding = "funding";
inline constexpr std::string_view kX402Settlement = "x402_settlement";
inline constexpr std::string_view kStripeSettlement = "stripe_settlement";
inline constexpr std::string_view kFees = "fees";

// A currency or asset code: 3 to 12 of [a-z0-9] ("usd", "eur", "usdc"). Returns it lower-cased;
// 400 (field) otherwise.
Result<std::string> normalize_currency(std::string_view text, const std::string& field);
// The USD value in micro-USD of `amount` minor units when the currency says it without a rate:
// usd (cents) and usdc (6 decimals); nullopt for other currencies.
std::optional<int64_t> usd_micros_of(const std::string& currency, int64_t amount);

// The wallet of an owner ("agent" | "org") in `currency`, created when absent.
Result<store::AccountRow> ensure_wallet(store::Db& db, const std::string& owner_type,
                                        const std::string& owner_id, const std::string& org_id,
                                        const std::string& currency,
                                        const std::optional<std::string>& network, int64_t now);
// A system account in `currency`, created when absent.
Result<store::AccountRow> system_account(store::Db& db, std::string_view name,
                                         const std::string& currency, int64_t now);

struct Leg {
  std::string account_id;
  int64_t amount = 0;  // credit > 0, debit < 0
};
// Writes the legs as entries of `transfer_id` and moves the cached balances (invariants 1, 2).
Status post(store::Db& db, const std::string& transfer_id, const std::string& currency,
            const std::vector<Leg>& legs, int64_t now);

// Holds `amount` of the account for `transfer_id` until `expires_at` (409 insufficient_funds
// when the account has less available).
Result<store::HoldRow> place_hold(store::Db& db, const std::string& transfer_id,
                                  const std::string& account_id, int64_t amount, int64_t expires_at,
                                  int64_t now);
// Posts a pending hold: releases it and writes the entries account → `to_account_id`.
// 409 hold_not_pending when it is not pending.
Status post_hold(store::Db& db, const store::HoldRow& hold, const std::string& to_account_id,
                 const std::string& currency, int64_t now);
// Releases a pending hold without moving money: status "voided" or "expired".
Status release_hold(store::Db& db, const store::HoldRow& hold, const std::string& status,
                    int64_t now);
// Expires up to `limit` holds past their deadline, fails their pending transfers
// (failure_code hold_expired) and audits each. Returns how many.
Result<int64_t> expire_holds(store::WriteTx& tx, int64_t now, int64_t limit);

// ---- funding -----------------------------------------------------------------------------

struct FundRequest {
  std::string org_id;                   // the wallet's org (already scoped by the caller)
  std::optional<std::string> agent_id;  // the agent's wallet; absent: the org's wallet
  std::string currency;                 // normalised
  int64_t amount = 0;                   // minor units, > 0
  std::optional<std::string> network;
  std::optional<std::string> note;
};
// Moves `amount` from the funding account to the wallet (created when absent) as a transfer of
// kind "funding", audited (ledger.fund). 404 when the agent is not in org_id.
Result<store::TransferRow> fund(store::WriteTx& tx, const FundRequest& req,
                                const audit::Entry& base);

// ---- reading -----------------------------------------------------------------------------

// {"balanced", "checked_at", "scope", "currencies":[{currency, entries, sum}] (platform scope
// only), "accounts_checked", "mismatched_accounts":[…], "unbalanced_transfers":[…]}.
// org_id "" checks the whole ledger; an org checks its own accounts and transfers.
Result<nlohmann::json> reconcile(store::Db& db, const std::string& org_id);

// Wallet: id, org_id?, owner_type, owner_id, agent_id?, currency, network?, balance, held,
// available (minor units), created_at, updated_at.
nlohmann::json wallet_json(const store::AccountRow& a);
// Transfer: id, status, kind, rail, currency, amount, amount_usd, fee_usd (+ *_micros),
// from_wallet_id, to_wallet_id, from_agent_id?, to_agent_id?, org_id, to_org_id?, to_address?,
// network?, asset?, mandate_id?, metadata, external_ref?, failure_code?, event_id?,
// approval_id?, created_at, updated_at.
nlohmann::json transfer_json(const store::TransferRow& t);

}  // namespace secu::ledger
