// Accounts and the posting of balanced entries: secu/ledger.hpp invariants 1 and 2.
#include <cctype>

#include "secu/crypto.hpp"
#include "secu/ledger.hpp"

namespace secu::ledger {

namespace {

Error insufficient_funds() {
  return Error::conflict("insufficient_funds", "the wallet does not hold enough for this transfer");
}

}  // namespace

Result<std::string> normalize_currency(std::string_view text, const std::string& field) {
  std::string out;
  for (char c : text)
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (out.size() < 3 || out.size() > 12) {
    return Error::invalid(field + " must be a currency or asset code of 3 to 12 letters", field);
  }
  for (char c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      return Error::invalid(field + " must hold only letters and digits", field);
    }
  }
  return out;
}

std::optional<int64_t> usd_micros_of(const std::string& currency, int64_t amount) {
  constexpr int64_t kMax = INT64_MAX / 10'000;
  if (currency == "usd" && amount <= kMax) return amount * 10'000;  // cents
  if (currency == "usdc") return amount;                            // 6 decimals = micro-USD
  return std::nullopt;
}

Result<store::AccountRow> ensure_wallet(store::Db& db, const std::string& owner_type,
                                        const std::string& owner_id, const std::string& org_id,
                                        const std::string& currency,
                                        const std::optional<std::string>& network, int64_t now) {
  SECU_TRY(auto found, store::find_account(db, owner_type, owner_id, currency));
  if (found) return std::move(*found);
  store::AccountRow a;
  a.id = crypto::random_id("wal");
  a.org_id = org_id;
  a.owner_type = owner_type;
  a.owner_id = owner_id;
  a.currency = currency;
  a.network = network;
  a.created_at = now;
  a.updated_at = now;
  SECU_TRY_VOID(store::insert_account(db, a));
  return a;
}

Result<store::AccountRow> system_account(store::Db& db, std::string_view name,
                                         const std::string& currency, int64_t now) {
  const std::string owner(name);
  SECU_TRY(auto found, store::find_account(db, "system", owner, currency));
  if (found) return std::move(*found);
  store::AccountRow a;
  a.id = crypto::random_id("wal");
  a.owner_type = "system";
  a.owner_id = owner;
  a.currency = currency;
  a.allow_negative = true;
  a.created_at = now;
  a.updated_at = now;
  SECU_TRY_VOID(store::insert_account(db, a));
  return a;
}

Status post(store::Db& db, const std::string& transfer_id, const std::string& currency,
            const std::vector<Leg>& legs, int64_t now) {
  __int128 sum = 0;
  for (const auto& l : legs)
    sum += l.amount;
  if (sum != 0 || legs.size() < 2) {
    return Error::invalid("a transfer's entries must balance");
  }
  // Debits first: the rule that can fail is checked before any credit is written (the job
  // rolls back either way; this keeps the error the one that explains it).
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& l : legs) {
      if ((pass == 0) != (l.amount < 0)) continue;
      SECU_TRY(auto account, store::get_account(db, l.account_id));
      if (!account || account->currency != currency) {
        return Error::internal("a ledger leg names an unknown account or another currency");
      }
      SECU_TRY(bool moved, store::add_to_balance(db, l.account_id, l.amount, now));
      if (!moved) return insufficient_funds();
      SECU_TRY_VOID(
          store::insert_entry(db, {0, transfer_id, l.account_id, currency, l.amount, now}));
    }
  }
  return {};
}

Result<store::HoldRow> place_hold(store::Db& db, const std::string& transfer_id,
                                  const std::string& account_id, int64_t amount, int64_t expires_at,
                                  int64_t now) {
  if (amount <= 0) return Error::invalid("a hold's amount must be positive");
  SECU_TRY(bool held, store::add_to_held(db, account_id, amount, now));
  if (!held) return insufficient_funds();
  store::HoldRow h;
  h.id = crypto::random_id("hold");
  h.transfer_id = transfer_id;
  h.account_id = account_id;
  h.amount = amount;
  h.status = "pending";
  h.expires_at = expires_at;
  h.created_at = now;
  h.updated_at = now;
  SECU_TRY_VOID(store::insert_hold(db, h));
  return h;
}

Status post_hold(store::Db& db, const store::HoldRow& hold, const std::string& to_account_id,
                 const std::string& currency, int64_t now) {
  SECU_TRY(bool finished, store::finish_hold(db, hold.id, "posted", now));
  if (!finished) return Error::conflict("hold_not_pending", "the hold is not pending");
  SECU_TRY(bool released, store::add_to_held(db, hold.account_id, -hold.amount, now));
  if (!released) return Error::internal("a hold's account does not hold its amount");
  return post(db, hold.transfer_id, currency,
              {{hold.account_id, -hold.amount}, {to_account_id, hold.amount}}, now);
}

Status release_hold(store::Db& db, const store::HoldRow& hold, const std::string& status,
                    int64_t now) {
  SECU_TRY(bool finished, store::finish_hold(db, hold.id, status, now));
  if (!finished) return Error::conflict("hold_not_pending", "the hold is not pending");
  SECU_TRY(bool released, store::add_to_held(db, hold.account_id, -hold.amount, now));
  if (!released) return Error::internal("a hold's account does not hold its amount");
  return {};
}

Result<int64_t> expire_holds(store::WriteTx& tx, int64_t now, int64_t limit) {
  SECU_TRY(auto holds, store::expired_holds(tx.db, now, limit));
  for (const auto& h : holds) {
    SECU_TRY_VOID(release_hold(tx.db, h, "expired", now));
    SECU_TRY(auto t, store::get_transfer(tx.db, h.transfer_id));
    if (!t || t->status != "pending") continue;
    t->status = "failed";
    t->failure_code = "hold_expired";
    t->updated_at = now;
    SECU_TRY_VOID(store::update_transfer_outcome(tx.db, *t));
    audit::Entry a;
    a.org_id = t->org_id;
    a.actor = {"system", "ledger"};
    a.action = "ledger.hold.expire";
    a.target = t->id;
    a.details = {{"hold_id", h.id}, {"account_id", h.account_id}, {"amount", h.amount}};
    a.request_id = t->request_id;
    SECU_TRY_VOID(audit::append(tx, a));
  }
  return static_cast<int64_t>(holds.size());
}

}  // namespace secu::ledger
