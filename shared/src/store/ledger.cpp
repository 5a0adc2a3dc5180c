#include "secu/store/ledger.hpp"

#include <algorithm>

#include "secu/store/list_query.hpp"
#include "tx_rollups.hpp"

namespace secu::store {

namespace {

constexpr const char* kAccountColumns =
    "SELECT id, org_id, owner_type, owner_id, currency, network, balance, held, allow_negative, "
    "created_at, updated_at FROM ledger_accounts";

AccountRow read_account(const Stmt& q) {
  AccountRow a;
  a.id = q.text(0);
  a.org_id = q.text(1);
  a.owner_type = q.text(2);
  a.owner_id = q.text(3);
  a.currency = q.text(4);
  a.network = q.opt_text(5);
  a.balance = q.int64(6);
  a.held = q.int64(7);
  a.allow_negative = q.int64(8) != 0;
  a.created_at = q.int64(9);
  a.updated_at = q.int64(10);
  return a;
}

constexpr const char* kTransferColumns =
    "SELECT id, org_id, kind, rail, status, currency, amount, amount_micros, fee_micros, "
    "from_account_id, to_account_id, from_agent_id, to_agent_id, to_org_id, to_address, "
    "network, asset, mandate_id, metadata, idempotency_key, body_hash, external_ref, "
    "failure_code, event_id, approval_id, actor_type, actor_id, request_id, created_at, "
    "updated_at FROM ledger_transfers";

TransferRow read_transfer(const Stmt& q) {
  TransferRow t;
  t.id = q.text(0);
  t.org_id = q.text(1);
  t.kind = q.text(2);
  t.rail = q.text(3);
  t.status = q.text(4);
  t.currency = q.text(5);
  t.amount = q.int64(6);
  t.amount_micros = q.int64(7);
  t.fee_micros = q.int64(8);
  t.from_account_id = q.text(9);
  t.to_account_id = q.text(10);
  t.from_agent_id = q.opt_text(11);
  t.to_agent_id = q.opt_text(12);
  t.to_org_id = q.opt_text(13);
  t.to_address = q.opt_text(14);
  t.network = q.opt_text(15);
  t.asset = q.opt_text(16);
  t.mandate_id = q.opt_text(17);
  t.metadata = q.text(18);
  t.idempotency_key = q.opt_text(19);
  t.body_hash = q.opt_text(20);
  t.external_ref = q.opt_text(21);
  t.failure_code = q.opt_text(22);
  t.event_id = q.opt_text(23);
  t.approval_id = q.opt_text(24);
  t.actor_type = q.text(25);
  t.actor_id = q.text(26);
  t.request_id = q.text(27);
  t.created_at = q.int64(28);
  t.updated_at = q.int64(29);
  return t;
}

constexpr const char* kHoldColumns =
    "SELECT id, transfer_id, account_id, amount, status, expires_at, created_at, updated_at "
    "FROM ledger_holds";

HoldRow read_hold(const Stmt& q) {
  HoldRow h;
  h.id = q.text(0);
  h.transfer_id = q.text(1);
  h.account_id = q.text(2);
  h.amount = q.int64(3);
  h.status = q.text(4);
  h.expires_at = q.int64(5);
  h.created_at = q.int64(6);
  h.updated_at = q.int64(7);
  return h;
}

template <typename Row, typename Read>
Result<std::optional<Row>> one(Stmt& q, Read read) {
  SECU_TRY(bool row, q.step());
  if (!row) return std::optional<Row>();
  return std::optional<Row>(read(q));
}

}  // namespace

// ---- accounts ----------------------------------------------------------------------------

Status insert_account(Db& db, const AccountRow& a) {
  SECU_TRY(auto q, db.query("INSERT INTO ledger_accounts (id, org_id, owner_type, owner_id, "
                            "currency, network, balance, held, allow_negative, created_at, "
                            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  q.bind_all(a.id, a.org_id, a.owner_type, a.owner_id, a.currency, a.network, a.balance, a.held,
             a.allow_negative, a.created_at, a.updated_at);
  return q.run();
}

Result<std::optional<AccountRow>> get_account(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string(kAccountColumns) + " WHERE id = ?1"));
  q.bind_all(id);
  return one<AccountRow>(q, read_account);
}

Result<std::optional<AccountRow>> find_account(Db& db, const std::string& owner_type,
                                               const std::string& owner_id,
                                               const std::string& currency) {
  SECU_TRY(auto q, db.query(std::string(kAccountColumns) +
                            " WHERE owner_type = ?1 AND owner_id = ?2 AND currency = ?3"));
  q.bind_all(owner_type, owner_id, currency);
  return one<AccountRow>(q, read_account);
}

Result<std::vector<AccountRow>> list_accounts(Db& db, const std::string& org_id,
                                              const std::string& owner_type,
                                              const std::string& owner_id,
                                              const PageRequest& page) {
  std::vector<AccountRow> out;
  SECU_TRY_VOID(list_page(db, kAccountColumns,
                          {{"org_id", org_id}, {"owner_type", owner_type}, {"owner_id", owner_id}},
                          page, [&](Stmt& q) -> Status {
                            out.push_back(read_account(q));
                            return {};
                          }));
  return out;
}

Result<bool> add_to_balance(Db& db, const std::string& id, int64_t delta, int64_t now) {
  SECU_TRY(auto q, db.query("UPDATE ledger_accounts SET balance = balance + ?2, updated_at = ?3 "
                            "WHERE id = ?1 AND (allow_negative = 1 OR balance + ?2 >= held)"));
  q.bind_all(id, delta, now);
  SECU_TRY_VOID(q.run());
  return db.changes() == 1;
}

Result<bool> add_to_held(Db& db, const std::string& id, int64_t delta, int64_t now) {
  SECU_TRY(auto q, db.query("UPDATE ledger_accounts SET held = held + ?2, updated_at = ?3 "
                            "WHERE id = ?1 AND held + ?2 >= 0 AND "
                            "(allow_negative = 1 OR balance >= held + ?2)"));
  q.bind_all(id, delta, now);
  SECU_TRY_VOID(q.run());
  return db.changes() == 1;
}

// ---- entries -----------------------------------------------------------------------------

Status insert_entry(Db& db, const EntryRow& e) {
  SECU_TRY(auto q, db.query("INSERT INTO ledger_entries (transfer_id, account_id, currency, "
                            "amount, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
  q.bind_all(e.transfer_id, e.account_id, e.currency, e.amount, e.created_at);
  return q.run();
}

Result<std::vector<EntryRow>> entries_of_transfer(Db& db, const std::string& transfer_id) {
  SECU_TRY(auto q, db.query("SELECT id, transfer_id, account_id, currency, amount, created_at "
                            "FROM ledger_entries WHERE transfer_id = ?1 ORDER BY id"));
  q.bind_all(transfer_id);
  std::vector<EntryRow> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    out.push_back({q.int64(0), q.text(1), q.text(2), q.text(3), q.int64(4), q.int64(5)});
  }
  return out;
}

// ---- transfers ---------------------------------------------------------------------------

Status insert_transfer(Db& db, const TransferRow& t) {
  SECU_TRY(auto q,
           db.query("INSERT INTO ledger_transfers (id, org_id, kind, rail, status, currency, "
                    "amount, amount_micros, fee_micros, from_account_id, to_account_id, "
                    "from_agent_id, to_agent_id, to_org_id, to_address, network, asset, "
                    "mandate_id, metadata, idempotency_key, body_hash, external_ref, "
                    "failure_code, event_id, approval_id, actor_type, actor_id, request_id, "
                    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                    "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
                    "?26, ?27, ?28, ?29, ?30)"));
  q.bind_all(t.id, t.org_id, t.kind, t.rail, t.status, t.currency, t.amount, t.amount_micros,
             t.fee_micros, t.from_account_id, t.to_account_id, t.from_agent_id, t.to_agent_id,
             t.to_org_id, t.to_address, t.network, t.asset, t.mandate_id, t.metadata,
             t.idempotency_key, t.body_hash, t.external_ref, t.failure_code, t.event_id,
             t.approval_id, t.actor_type, t.actor_id, t.request_id, t.created_at, t.updated_at);
  SECU_TRY_VOID(q.run());
  return detail::add_to_tx_rollups(db, t, +1);
}

Status update_transfer_outcome(Db& db, const TransferRow& t) {
  // The stats rollups move the transfer from its old (status, fee) bucket to the new one.
  SECU_TRY(auto before, get_transfer(db, t.id));
  if (!before) return Error::not_found("transfer");
  SECU_TRY(auto q, db.query("UPDATE ledger_transfers SET status = ?2, external_ref = ?3, "
                            "failure_code = ?4, fee_micros = ?5, updated_at = ?6 WHERE id = ?1"));
  q.bind_all(t.id, t.status, t.external_ref, t.failure_code, t.fee_micros, t.updated_at);
  SECU_TRY_VOID(q.run());
  SECU_TRY_VOID(detail::add_to_tx_rollups(db, *before, -1));
  TransferRow after = std::move(*before);
  after.status = t.status;
  after.fee_micros = t.fee_micros;
  return detail::add_to_tx_rollups(db, after, +1);
}

Result<std::optional<TransferRow>> get_transfer(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string(kTransferColumns) + " WHERE id = ?1"));
  q.bind_all(id);
  return one<TransferRow>(q, read_transfer);
}

Result<std::optional<TransferRow>> find_transfer_by_idempotency(Db& db,
                                                                const std::string& from_agent_id,
                                                                const std::string& key) {
  SECU_TRY(auto q, db.query(std::string(kTransferColumns) +
                            " WHERE from_agent_id = ?1 AND idempotency_key = ?2"));
  q.bind_all(from_agent_id, key);
  return one<TransferRow>(q, read_transfer);
}

namespace {

// One side of a paid-or-received page: the transfers whose `column` is `value`, newest first,
// walking that column's (column, created_at, id) index from the cursor on.
Status transfers_where(Db& db, const char* column, const std::string& value,
                       const std::string& org_id, const PageRequest& page,
                       std::vector<TransferRow>& out) {
  std::string sql = std::string(kTransferColumns) + " WHERE ";
  sql += column;
  sql += " = ?1 AND (?2 = '' OR org_id = ?2 OR to_org_id = ?2)";
  sql += keyset_before(page, 3);
  sql += " ORDER BY created_at DESC, id DESC LIMIT ?5";
  SECU_TRY(auto q, db.query(sql));
  q.bind_all(value, org_id, page.before_created_at, page.before_id.value_or(""), page.limit + 1);
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    out.push_back(read_transfer(q));
  }
  return {};
}

}  // namespace

Result<std::vector<TransferRow>> list_transfers(Db& db, const std::string& org_id,
                                                const std::string& account_id,
                                                const PageRequest& page) {
  std::vector<TransferRow> out;
  if (org_id.empty() && account_id.empty()) {
    SECU_TRY(auto q,
             db.query(std::string(kTransferColumns) + " WHERE 1 = 1" + keyset_before(page, 1) +
                      " ORDER BY created_at DESC, id DESC LIMIT ?3"));
    q.bind_all(page.before_created_at, page.before_id.value_or(""), page.limit + 1);
    for (;;) {
      SECU_TRY(bool row, q.step());
      if (!row) break;
      out.push_back(read_transfer(q));
    }
    return out;
  }
  // Paid or received: one "a OR b" would walk the whole created_at index and filter, so the
  // latency would grow with the table. Two index walks of limit + 1 rows each, merged, keep a
  // page's cost flat (a transfer within one org, or from a wallet to itself, is in both:
  // deduplicated).
  const bool by_account = !account_id.empty();
  const std::string& value = by_account ? account_id : org_id;
  SECU_TRY_VOID(
      transfers_where(db, by_account ? "from_account_id" : "org_id", value, org_id, page, out));
  SECU_TRY_VOID(
      transfers_where(db, by_account ? "to_account_id" : "to_org_id", value, org_id, page, out));
  std::sort(out.begin(), out.end(), [](const TransferRow& a, const TransferRow& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const TransferRow& a, const TransferRow& b) { return a.id == b.id; }),
            out.end());
  if (out.size() > static_cast<size_t>(page.limit) + 1) out.resize(page.limit + 1);
  return out;
}

// ---- holds -------------------------------------------------------------------------------

Status insert_hold(Db& db, const HoldRow& h) {
  SECU_TRY(auto q, db.query("INSERT INTO ledger_holds (id, transfer_id, account_id, amount, "
                            "status, expires_at, created_at, updated_at) VALUES (?1, ?2, ?3, "
                            "?4, ?5, ?6, ?7, ?8)"));
  q.bind_all(h.id, h.transfer_id, h.account_id, h.amount, h.status, h.expires_at, h.created_at,
             h.updated_at);
  return q.run();
}

Result<std::optional<HoldRow>> get_hold(Db& db, const std::string& id) {
  SECU_TRY(auto q, db.query(std::string(kHoldColumns) + " WHERE id = ?1"));
  q.bind_all(id);
  return one<HoldRow>(q, read_hold);
}

Result<std::optional<HoldRow>> pending_hold_of_transfer(Db& db, const std::string& transfer_id) {
  SECU_TRY(auto q,
           db.query(std::string(kHoldColumns) + " WHERE transfer_id = ?1 AND status = 'pending'"));
  q.bind_all(transfer_id);
  return one<HoldRow>(q, read_hold);
}

Result<bool> finish_hold(Db& db, const std::string& id, const std::string& status, int64_t now) {
  SECU_TRY(auto q, db.query("UPDATE ledger_holds SET status = ?2, updated_at = ?3 WHERE id = ?1 "
                            "AND status = 'pending'"));
  q.bind_all(id, status, now);
  SECU_TRY_VOID(q.run());
  return db.changes() == 1;
}

Result<std::vector<HoldRow>> expired_holds(Db& db, int64_t now, int64_t limit) {
  SECU_TRY(auto q, db.query(std::string(kHoldColumns) +
                            " WHERE status = 'pending' AND expires_at <= ?1 ORDER BY expires_at "
                            "LIMIT ?2"));
  q.bind_all(now, limit);
  std::vector<HoldRow> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    out.push_back(read_hold(q));
  }
  return out;
}

// ---- reconciliation ----------------------------------------------------------------------

Result<std::vector<CurrencySum>> entry_sums(Db& db) {
  SECU_TRY(auto q, db.query("SELECT currency, COUNT(*), COALESCE(SUM(amount), 0) FROM "
                            "ledger_entries GROUP BY currency ORDER BY currency"));
  std::vector<CurrencySum> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    out.push_back({q.text(0), q.int64(1), q.int64(2)});
  }
  return out;
}

Result<std::vector<AccountCheck>> account_checks(Db& db, const std::string& org_id) {
  SECU_TRY(auto q, db.query("SELECT a.id, a.currency, a.balance, "
                            "(SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE "
                            "e.account_id = a.id), a.held, "
                            "(SELECT COALESCE(SUM(h.amount), 0) FROM ledger_holds h WHERE "
                            "h.account_id = a.id AND h.status = 'pending') "
                            "FROM ledger_accounts a WHERE ?1 = '' OR a.org_id = ?1 ORDER BY a.id"));
  q.bind_all(org_id);
  std::vector<AccountCheck> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    out.push_back({q.text(0), q.text(1), q.int64(2), q.int64(3), q.int64(4), q.int64(5)});
  }
  return out;
}

Result<std::vector<std::string>> unbalanced_transfers(Db& db, const std::string& org_id) {
  SECU_TRY(auto q, db.query("SELECT e.transfer_id FROM ledger_entries e JOIN ledger_transfers t "
                            "ON t.id = e.transfer_id WHERE ?1 = '' OR t.org_id = ?1 OR "
                            "t.to_org_id = ?1 GROUP BY e.transfer_id HAVING SUM(e.amount) <> 0 "
                            "ORDER BY e.transfer_id LIMIT 100"));
  q.bind_all(org_id);
  std::vector<std::string> out;
  for (;;) {
    SECU_TRY(bool row, q.step());
    if (!row) break;
    out.push_back(q.text(0));
  }
  return out;
}

// tx_stats and tx_parties: store/tx_rollups.cpp.

}  // namespace secu::store
