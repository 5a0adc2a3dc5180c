// secuctl ledger wallets|wallet|fund|history|transfer|reconcile: the double-entry ledger.
#include "commands/render.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kWalletColumns = {
    {"ID", "id"},
    {"OWNER", "owner_type"},
    {"OWNER_ID", "owner_id"},
    {"CURRENCY", "currency"},
    {"BALANCE", "balance"},
    {"HELD", "held"},
    {"AVAILABLE", "available"},
    {"NETWORK", "network"},
    {"CREATED", "created_at"},
};

const std::vector<Column> kTransferColumns = {
    {"ID", "id"},           {"TIME", "created_at"},     {"KIND", "kind"},
    {"RAIL", "rail"},       {"STATUS", "status"},       {"CURRENCY", "currency"},
    {"AMOUNT", "amount"},   {"FROM", "from_wallet_id"}, {"TO", "to_wallet_id"},
    {"FEE_USD", "fee_usd"},
};

const std::vector<Column> kReconcileColumns = {
    {"BALANCED", "balanced"},
    {"SCOPE", "scope"},
    {"ORG", "org_id"},
    {"ACCOUNTS_CHECKED", "accounts_checked"},
    {"CHECKED_AT", "checked_at"},
};

struct FundOptions {
  std::string org, agent, currency, network, note;
  int64_t amount = 0;
};

}  // namespace

void add_ledger_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* ledger = app.add_subcommand("ledger", "Wallets, balances, funding and reconciliation");
  ledger->require_subcommand(1);

  auto lo = std::make_shared<ListOptions>();
  auto agent = std::make_shared<std::string>(), owner = std::make_shared<std::string>();
  auto* wallets = ledger->add_subcommand("wallets", "List wallets with their balances");
  add_list_options(wallets, *lo);
  wallets->add_option("--agent", *agent, "only this agent's wallets");
  wallets->add_option("--owner-type", *owner, "agent, org or system (platform admin)")
      ->check(CLI::IsMember({"agent", "org", "system"}));
  calls(wallets, {"GET /v1/ledger/wallets"});
  wallets->callback([lo, agent, owner, &d, &rs] {
    rs.run = [lo, agent, owner, &d] {
      return call_and_print_list(
          d, "/v1/ledger/wallets" + list_query(*lo, {{"agent_id", *agent}, {"owner_type", *owner}}),
          "wallets", kWalletColumns, lo->all);
    };
  });

  auto wid = std::make_shared<std::string>();
  auto* wallet = ledger->add_subcommand("wallet", "Show one wallet and its balance");
  wallet->add_option("wallet_id", *wid, "wallet id")->required();
  calls(wallet, {"GET /v1/ledger/wallets/{id}"});
  wallet->callback([wid, &d, &rs] {
    rs.run = [wid, &d] {
      return call_and_print(d, "GET", "/v1/ledger/wallets/" + url_encode(*wid), nullptr,
                            kWalletColumns);
    };
  });

  auto fo = std::make_shared<FundOptions>();
  auto* fund = ledger->add_subcommand(
      "fund", "Fund an agent's (or the org's) wallet from the funding account (admin)");
  fund->add_option("--agent", fo->agent, "the agent whose wallet to fund (default: the org's)");
  fund->add_option("--org", fo->org, "org id (platform admin)");
  fund->add_option("--currency", fo->currency, "currency or asset code (usd, usdc…)")->required();
  fund->add_option("--amount", fo->amount, "amount in minor units (cents for usd)")
      ->required()
      ->check(CLI::PositiveNumber);
  fund->add_option("--network", fo->network, "network of the wallet (x402)");
  fund->add_option("--note", fo->note, "a note kept on the transfer");
  calls(fund, {"POST /v1/ledger/fund"});
  fund->callback([fo, &d, &rs] {
    rs.run = [fo, &d] {
      nlohmann::json body = {{"currency", fo->currency}, {"amount", fo->amount}};
      if (!fo->org.empty()) body["org_id"] = fo->org;
      if (!fo->agent.empty()) body["agent_id"] = fo->agent;
      if (!fo->network.empty()) body["network"] = fo->network;
      if (!fo->note.empty()) body["note"] = fo->note;
      return call_and_print(d, "POST", "/v1/ledger/fund", body, kTransferColumns);
    };
  });

  auto ho = std::make_shared<ListOptions>();
  auto hw = std::make_shared<std::string>();
  auto* history = ledger->add_subcommand("history", "Transfers paid or received, newest first");
  add_list_options(history, *ho);
  history->add_option("--wallet", *hw, "only transfers into or out of this wallet");
  calls(history, {"GET /v1/ledger/transfers"});
  history->callback([ho, hw, &d, &rs] {
    rs.run = [ho, hw, &d] {
      return call_and_print_list(d, "/v1/ledger/transfers" + list_query(*ho, {{"wallet_id", *hw}}),
                                 "transfers", kTransferColumns, ho->all);
    };
  });

  auto tid = std::make_shared<std::string>();
  auto* transfer = ledger->add_subcommand("transfer", "Show one transfer");
  transfer->add_option("transfer_id", *tid, "transfer id")->required();
  calls(transfer, {"GET /v1/ledger/transfers/{id}"});
  transfer->callback([tid, &d, &rs] {
    rs.run = [tid, &d] {
      return call_and_print(d, "GET", "/v1/ledger/transfers/" + url_encode(*tid), nullptr,
                            kTransferColumns);
    };
  });

  auto rorg = std::make_shared<std::string>();
  auto* reconcile =
      ledger->add_subcommand("reconcile",
                             "Check the ledger: entries sum to zero, cached balances equal derived "
                             "(exit 1 when not balanced)");
  reconcile->add_option("--org", *rorg, "only this org's accounts (platform admin)");
  calls(reconcile, {"GET /v1/ledger/reconcile"});
  reconcile->callback([rorg, &d, &rs] {
    rs.run = [rorg, &d] {
      auto r = call(d, "GET", "/v1/ledger/reconcile" + query_string({{"org_id", *rorg}}));
      if (!r.ok()) return r.exit_code;
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      if (j.is_discarded()) {
        return report_error(d, Error::internal("secud answered a non-JSON body"));
      }
      print_object(d, j, kReconcileColumns, "balanced");
      return j.value("balanced", false) ? kExitOk : kExitError;
    };
  });
}

}  // namespace secu::cli
