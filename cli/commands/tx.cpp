// secuctl tx transfer|stats|public-stats. `tx transfer` runs as the paying agent (its key from
// --key or SECU_AGENT_KEY, never the operator's credentials), like `gateway test`.
#include <cstdlib>

#include "commands/render.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kTransferColumns = {
    {"ID", "id"},
    {"STATUS", "status"},
    {"RAIL", "rail"},
    {"CURRENCY", "currency"},
    {"AMOUNT", "amount"},
    {"AMOUNT_USD", "amount_usd"},
    {"FEE_USD", "fee_usd"},
    {"FROM", "from_wallet_id"},
    {"TO", "to_wallet_id"},
    {"TO_AGENT", "to_agent_id"},
    {"TO_ADDRESS", "to_address"},
    {"EXTERNAL_REF", "external_ref"},
    {"FAILURE", "failure_code"},
    {"APPROVAL", "approval_id"},
    {"CREATED", "created_at"},
};

const std::vector<Column> kPendingColumns = {
    {"STATUS", "status"},
    {"APPROVAL", "approval_id"},
    {"EXPIRES", "expires_at"},
    {"REASON", "approval_reason"},
};

const std::vector<Column> kStatsColumns = {
    {"FROM", "from"},
    {"TO", "to"},
    {"ORG", "org_id"},
    {"COUNT", "count"},
    {"SETTLED", "settled"},
    {"PENDING", "pending"},
    {"FAILED", "failed"},
    {"VOLUME_USD", "volume_usd"},
    {"UNIQUE_PAYERS", "unique_payers"},
    {"UNIQUE_PAYEES", "unique_payees"},
    {"FEES_USD", "fees_usd"},
};

struct TransferOptions {
  std::string key, to, to_address, rail = "internal", currency, network, asset, mandate, spt_file,
                                   idempotency_key, approval_id;
  int64_t amount = 0;
  std::optional<double> amount_usd;
  std::vector<std::string> metadata;  // k=v
};

int transfer_run(const TransferOptions& o, Deps& d) {
  std::string key = o.key;
  if (key.empty()) {
    if (const char* e = std::getenv("SECU_AGENT_KEY"); e) key = e;
  }
  if (key.empty()) {
    return report_error(d, Error::invalid("pass --key sk_secu_… (or SECU_AGENT_KEY)"));
  }
  nlohmann::json body = {{"rail", o.rail}, {"currency", o.currency}, {"amount", o.amount}};
  if (!o.to.empty()) body["to_agent_id"] = o.to;
  if (!o.to_address.empty()) body["to_address"] = o.to_address;
  if (o.amount_usd) body["amount_usd"] = *o.amount_usd;
  if (!o.network.empty()) body["network"] = o.network;
  if (!o.asset.empty()) body["asset"] = o.asset;
  if (!o.mandate.empty()) body["mandate_id"] = o.mandate;
  if (!o.idempotency_key.empty()) body["idempotency_key"] = o.idempotency_key;
  if (!o.spt_file.empty()) {
    auto spt = read_secret(d, o.spt_file, "shared payment token");
    if (!spt.ok()) return report_error(d, spt.error());
    body["shared_payment_token"] = *spt;
  }
  for (const auto& kv : o.metadata) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return report_error(d, Error::invalid("--meta takes KEY=VALUE"));
    }
    body["metadata"][kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  ClientOptions co = d.client_options();
  co.bearer = key;  // the agent pays: its key, never the operator's credentials
  if (!o.approval_id.empty()) co.extra_headers.emplace("X-Secu-Approval-Id", o.approval_id);
  Client client(co);
  auto r = client.call("POST", "/v1/tx/transfer", body.dump());
  if (!r.ok()) return report_error(d, r.error());
  if (!r->ok()) return report_reply_error(d, *r);
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return report_error(d, Error::internal("secud answered a non-JSON body"));
  if (r->status == 202) {
    // Waiting for an approver: not an error; retry with --approval-id once approved.
    print_object(d, j, kPendingColumns, "approval_id");
    return kExitOk;
  }
  print_object(d, j, kTransferColumns);
  return kExitOk;
}

}  // namespace

void add_tx_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* tx = app.add_subcommand("tx", "Transfers between agents and their stats");
  tx->require_subcommand(1);

  auto o = std::make_shared<TransferOptions>();
  auto* transfer = tx->add_subcommand(
      "transfer",
      "Pay as an agent (its key: --key or SECU_AGENT_KEY)\n"
      "  secuctl tx transfer --rail internal --currency usd --amount 250 --to agt_…");
  transfer->add_option("--key", o->key, "the paying agent's key sk_secu_… (env SECU_AGENT_KEY)");
  transfer->add_option("--to", o->to, "the payee agent (internal rail)");
  transfer->add_option("--to-address", o->to_address, "the payee address (x402 rail)");
  transfer->add_option("--rail", o->rail, "internal, x402 or stripe")
      ->check(CLI::IsMember({"internal", "x402", "stripe"}));
  transfer->add_option("--currency", o->currency, "currency or asset code (usd, usdc…)")
      ->required();
  transfer->add_option("--amount", o->amount, "amount in minor units (cents for usd)")
      ->required()
      ->check(CLI::PositiveNumber);
  transfer->add_option("--amount-usd", o->amount_usd, "USD value (required for other currencies)");
  transfer->add_option("--network", o->network, "network (x402)");
  transfer->add_option("--asset", o->asset, "asset (x402)");
  transfer->add_option("--mandate", o->mandate, "mandate id recorded with the transfer");
  transfer->add_option("--spt-file", o->spt_file,
                       "file holding the Stripe shared payment token (- for stdin)");
  transfer->add_option("--idempotency-key", o->idempotency_key,
                       "retry-safe key: the same key and body answer the first transfer again");
  transfer->add_option("--approval-id", o->approval_id, "retry after this approval was granted");
  transfer->add_option("--meta", o->metadata, "metadata KEY=VALUE (repeatable)");
  calls(transfer, {"POST /v1/tx/transfer"});
  transfer->callback([o, &d, &rs] { rs.run = [o, &d] { return transfer_run(*o, d); }; });

  struct StatsOptions {
    std::string org, from, to;
  };
  auto so = std::make_shared<StatsOptions>();
  auto* stats = tx->add_subcommand(
      "stats", "Transfer totals over [from, to) (default: the last 30 days), scoped by principal");
  stats->add_option("--from", so->from, "start, RFC 3339 time or date (inclusive)");
  stats->add_option("--to", so->to, "end, RFC 3339 time or date (exclusive)");
  stats->add_option("--org", so->org, "org id (platform admin)");
  calls(stats, {"GET /v1/tx/stats"});
  stats->callback([so, &d, &rs] {
    rs.run = [so, &d] {
      return call_and_print(
          d, "GET",
          "/v1/tx/stats" + query_string({{"org_id", so->org}, {"from", so->from}, {"to", so->to}}),
          nullptr, kStatsColumns, "from");
    };
  });

  auto po = std::make_shared<StatsOptions>();
  auto* pub =
      tx->add_subcommand("public-stats", "Network-wide transfer totals (no credentials needed)");
  pub->add_option("--from", po->from, "start, RFC 3339 time or date (inclusive)");
  pub->add_option("--to", po->to, "end, RFC 3339 time or date (exclusive)");
  calls(pub, {"GET /v1/public/tx/stats"});
  pub->callback([po, &d, &rs] {
    rs.run = [po, &d] {
      auto r = call(d, "GET",
                    "/v1/public/tx/stats" + query_string({{"from", po->from}, {"to", po->to}}), {},
                    /*authenticated=*/false);
      if (!r.ok()) return r.exit_code;
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      if (j.is_discarded()) {
        return report_error(d, Error::internal("secud answered a non-JSON body"));
      }
      print_object(d, j, kStatsColumns, "from");
      return kExitOk;
    };
  });
}

}  // namespace secu::cli
