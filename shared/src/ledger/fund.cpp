// Funding: money enters the ledger from the funding system account (an admin's act, audited).
#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/ledger.hpp"
#include "secu/store/agents.hpp"

namespace secu::ledger {

Result<store::TransferRow> fund(store::WriteTx& tx, const FundRequest& req,
                                const audit::Entry& base) {
  if (req.amount <= 0) return Error::invalid("amount must be a positive integer", "amount");
  const int64_t now = now_ms();
  std::string owner_type = "org";
  std::string owner_id = req.org_id;
  if (req.agent_id) {
    SECU_TRY(auto agent, store::get_agent(tx.db, *req.agent_id));
    if (!agent || agent->org_id != req.org_id) return Error::not_found("agent");
    owner_type = "agent";
    owner_id = agent->id;
  }
  SECU_TRY(auto wallet,
           ensure_wallet(tx.db, owner_type, owner_id, req.org_id, req.currency, req.network, now));
  SECU_TRY(auto source, system_account(tx.db, kFunding, req.currency, now));

  store::TransferRow t;
  t.id = crypto::random_id("tx");
  t.org_id = req.org_id;
  t.kind = "funding";
  t.rail = "funding";
  t.status = "settled";
  t.currency = req.currency;
  t.amount = req.amount;
  t.amount_micros = usd_micros_of(req.currency, req.amount).value_or(0);
  t.from_account_id = source.id;
  t.to_account_id = wallet.id;
  if (req.agent_id) t.to_agent_id = req.agent_id;
  t.to_org_id = req.org_id;
  t.network = req.network;
  nlohmann::json meta = nlohmann::json::object();
  if (req.note) meta["note"] = *req.note;
  t.metadata = meta.dump();
  t.actor_type = base.actor.type;
  t.actor_id = base.actor.id;
  t.request_id = base.request_id;
  t.created_at = now;
  t.updated_at = now;
  SECU_TRY_VOID(store::insert_transfer(tx.db, t));
  SECU_TRY_VOID(
      post(tx.db, t.id, t.currency, {{source.id, -t.amount}, {wallet.id, t.amount}}, now));

  audit::Entry a = base;
  a.org_id = req.org_id;
  a.action = "ledger.fund";
  a.target = wallet.id;
  a.details = {{"transfer_id", t.id},  {"wallet_id", wallet.id}, {"owner_type", owner_type},
               {"owner_id", owner_id}, {"currency", t.currency}, {"amount", t.amount}};
  SECU_TRY_VOID(audit::append(tx, a));
  return t;
}

}  // namespace secu::ledger
