// The ledger beyond the contract: GET /v1/ledger/wallets, GET /v1/ledger/wallets/{id},
// POST /v1/ledger/fund, GET /v1/ledger/transfers, GET /v1/ledger/transfers/{id},
// GET /v1/ledger/reconcile. Scoped by principal like every list; funding needs admin+.
#include <nlohmann/json.hpp>

#include "secu/json_input.hpp"
#include "secu/ledger.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/list_query.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"
#include "server/scope.hpp"

namespace secu::daemon {

namespace {

// A wallet the principal may see: its org's, or any for the platform admin (system accounts
// belong to no org and are the platform's).
store::AccountRow visible_wallet(Ctx& c, const std::string& id) {
  std::optional<store::AccountRow> row;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(row, store::get_account(db, id));
    return {};
  });
  if (!row) Ctx::fail(Error::not_found("wallet"));
  require_visible(c, row->org_id, "wallet");
  return *row;
}

void list_wallets(Ctx& c) {
  const auto org_id = org_for_read(c);
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  std::string owner_type = c.query("owner_type").value_or("");
  std::string owner_id;
  if (!owner_type.empty() && owner_type != "agent" && owner_type != "org" &&
      owner_type != "system") {
    Ctx::fail(Error::invalid("owner_type must be agent, org or system", "owner_type"));
  }
  if (owner_type == "system" && !c.principal().is_platform_admin()) {
    Ctx::fail(Error::invalid("only the platform admin sees system accounts", "owner_type"));
  }
  if (auto agent = c.query("agent_id"); agent && !agent->empty()) {
    owner_type = "agent";
    owner_id = *agent;
  }
  std::vector<store::AccountRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_accounts(db, org_id, owner_type, owner_id, page));
    return {};
  });
  const auto next = store::trim_page(rows, page.limit);
  nlohmann::json out = {{"wallets", nlohmann::json::array()}};
  for (const auto& w : rows)
    out["wallets"].push_back(ledger::wallet_json(w));
  if (!next.empty()) out["next_cursor"] = next;
  c.reply(200, out);
}

void get_wallet(Ctx& c) {
  c.reply(200, ledger::wallet_json(visible_wallet(c, c.param(0))));
}

void fund(Ctx& c) {
  const auto body = c.json_body();
  json::Reader r(body);
  auto org = r.str("org_id", {.max_len = 64});
  ledger::FundRequest in;
  in.agent_id = r.str("agent_id", {.min_len = 1, .max_len = 64});
  const auto currency = r.str("currency", {.required = true, .max_len = 32});
  in.amount = r.integer("amount", {.required = true, .min = 1}).value_or(0);
  in.network = r.str("network", {.min_len = 1, .max_len = 64});
  in.note = r.str("note", {.max_len = 500});
  Ctx::unwrap(r.finish());
  in.currency = Ctx::unwrap(ledger::normalize_currency(*currency, "currency"));
  // The platform admin funding an agent need not repeat the agent's org.
  if (c.principal().is_platform_admin() && !org && in.agent_id) {
    std::optional<store::AgentRow> agent;
    c.read([&](store::Db& db) -> Status {
      SECU_TRY(agent, store::get_agent(db, *in.agent_id));
      return {};
    });
    if (!agent) Ctx::fail(Error::not_found("agent"));
    org = agent->org_id;
  }
  in.org_id = org_for_write(c, org);
  store::TransferRow out;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(out, ledger::fund(tx, in, c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.reply(200, ledger::transfer_json(out));
}

void list_transfers(Ctx& c) {
  const auto org_id = org_for_read(c);
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  std::string wallet_id = c.query("wallet_id").value_or("");
  if (!wallet_id.empty()) visible_wallet(c, wallet_id);
  std::vector<store::TransferRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_transfers(db, org_id, wallet_id, page));
    return {};
  });
  const auto next = store::trim_page(rows, page.limit);
  nlohmann::json out = {{"transfers", nlohmann::json::array()}};
  for (const auto& t : rows)
    out["transfers"].push_back(ledger::transfer_json(t));
  if (!next.empty()) out["next_cursor"] = next;
  c.reply(200, out);
}

void get_transfer(Ctx& c) {
  std::optional<store::TransferRow> row;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(row, store::get_transfer(db, c.param(0)));
    return {};
  });
  if (!row) Ctx::fail(Error::not_found("transfer"));
  // The payer's org and the payee's org both see it.
  const auto& p = c.principal();
  if (!p.is_platform_admin() && row->org_id != p.org_id && row->to_org_id != p.org_id) {
    Ctx::fail(Error::not_found("transfer"));
  }
  c.reply(200, ledger::transfer_json(*row));
}

void reconcile(Ctx& c) {
  const auto org_id = org_for_read(c);
  nlohmann::json out;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(out, ledger::reconcile(db, org_id));
    return {};
  });
  c.reply(200, out);
}

}  // namespace

void register_ledger_routes(RouteTable& t) {
  t.add("GET", "/v1/ledger/wallets", Access::kViewer, "List wallets with balances (scoped)",
        list_wallets);
  t.add("GET", "/v1/ledger/wallets/{id}", Access::kViewer, "Get a wallet with its balance",
        get_wallet);
  t.add("POST", "/v1/ledger/fund", Access::kAdmin,
        "Fund a wallet from the funding account (audited)", fund);
  t.add("GET", "/v1/ledger/transfers", Access::kViewer,
        "Transfer history, paid or received (scoped)", list_transfers);
  t.add("GET", "/v1/ledger/transfers/{id}", Access::kViewer, "Get a transfer", get_transfer);
  t.add("GET", "/v1/ledger/reconcile", Access::kViewer,
        "Reconcile the ledger: entries sum to zero, cached balances equal derived", reconcile);
}

}  // namespace secu::daemon
