// Transfers between agents (POST /v1/tx/transfer) and transaction stats (DESIGN.md "Money").
//
// A transfer is governed like a gateway request — gateway_core::decide with the action
// `tx.transfer` and amount_usd as the cost: key valid → agent active (kill-switch) → policies →
// daily budget (reserved atomically) → approval (202 with a single-use grant bound to the
// request's digest) — and then settled on its rail:
//   * internal: ONE write job decides, moves the money between the two wallets, settles the
//     billing event, writes the transfer row and its audit entry. Insufficient funds fail the
//     whole job (409, nothing moved, nothing recorded, the reservation undone).
//   * external rails (x402 and stripe, through the Rail seam): job A decides, holds the
//     amount on the payer's wallet and records the transfer as pending; the rail is called
//     outside the writer; job B posts the hold to the rail's settlement account (settled) or
//     voids it (failed), settles the billing event and audits. A crash between A and B leaves
//     a pending hold that expires (failed, hold_expired) — never money moved twice.
// idempotency_key: scoped to the paying agent and this endpoint, kept with the transfer row
// (forever, so ≥ 24 h): the same key with the same body answers the transfer again
// (replayed); with another body 409 idempotency_conflict. Denials, 202s and 409s record no
// transfer, so the retry after an approval (X-Secu-Approval-Id) or a funding goes through.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "secu/audit.hpp"
#include "secu/gateway_core.hpp"
#include "secu/store.hpp"
#include "secu/store/ledger.hpp"

namespace secu::tx {

inline constexpr size_t kMaxMetadataKeys = 20;
inline constexpr size_t kMaxMetadataValue = 500;
inline constexpr size_t kMaxMetadataBytes = 4096;

struct TransferRequest {
  std::string rail;                      // internal | x402 | stripe
  std::string currency;                  // as sent; validate() normalises
  int64_t amount = 0;                    // minor units (atomic units for x402)
  std::optional<int64_t> amount_micros;  // amount_usd
  std::optional<std::string> to_agent_id;
  std::optional<std::string> to_address;
  std::optional<std::string> network;
  std::optional<std::string> asset;
  std::optional<std::string> mandate_id;
  std::optional<std::string> shared_payment_token;  // stripe; never stored or logged
  std::optional<std::string> idempotency_key;
  std::map<std::string, std::string> metadata;
  std::string canonical_body;  // the body, keys sorted: fingerprint and approval digest
};
// Field rules (400 with the field, before anything is written): rail known; currency a code;
// amount > 0; internal needs to_agent_id (not the payer) and no to_address; x402 needs
// to_address, network and asset; stripe needs shared_payment_token; metadata at most 20 keys,
// values ≤ 500 bytes, 4 KiB in all; amount_usd required unless the currency carries its own USD
// value (usd, usdc). Normalises currency and asset and fills amount_micros.
Status validate(TransferRequest& r);
// The body of POST /v1/tx/transfer read with json::Reader (types, lengths, unknown fields) and
// then validate()d: 400 with the field on the first failure. canonical_body is the caller's.
Result<TransferRequest> parse_transfer_request(const nlohmann::json& body);

// ---- external rails ----------------------------------------------------------------------

struct RailPayment {
  std::string transfer_id;
  std::string request_id;
  std::string from_wallet_id;
  std::string currency;
  int64_t amount = 0;
  int64_t amount_micros = 0;
  std::optional<std::string> to_address;
  std::optional<std::string> network;
  std::optional<std::string> asset;
  std::optional<std::string> shared_payment_token;
  std::map<std::string, std::string> metadata;
};
struct RailResult {
  bool settled = false;
  std::string external_ref;  // the rail's id for it (transaction hash, PaymentIntent id)
  std::string failure_code;  // when not settled: the rail's reason, snake_case
  std::string message;
  // When not settled: the error to answer instead of the failed transfer (the stripe rail
  // answers Stripe's own 502/504; x402 leaves it empty and answers 200 status failed).
  std::optional<Error> error;
};
// A payment rail outside Secu. Implementations live with the daemon's integrations (they do
// I/O); pay() is called outside any write job and must not throw.
class Rail {
 public:
  virtual ~Rail() = default;
  virtual RailResult pay(const RailPayment& p) = 0;
};

// ---- the transfer ------------------------------------------------------------------------

struct TransferContext {
  std::string org_id;
  std::string agent_id;
  std::string key_id;
  std::string vendor_id;  // the key's vendor (billing events and approvals name one)
  std::string request_id;
  policy::Decision policy;                 // policy::evaluate for the action tx.transfer
  std::optional<std::string> approval_id;  // X-Secu-Approval-Id
  billing::FeeSchedule fees;
  int64_t approval_ttl_ms = 900'000;
  int64_t hold_ttl_ms = 600'000;
};

struct TransferOutcome {
  gateway_core::DecisionResult decision;       // deny / pending: what to answer
  std::optional<store::TransferRow> transfer;  // allowed (or replayed)
  bool replayed = false;
  std::optional<Error> rail_error;  // the rail failed and said how to answer (RailResult::error)
};

// Runs the transfer (see above). `rail` is the rail of an external transfer (null for
// internal); the caller answers 400 rail_not_configured before calling when it has none.
// Errors: 404 the payee agent, 409 insufficient_funds / idempotency_conflict, storage.
Result<TransferOutcome> transfer(store::Store& st, const TransferContext& ctx,
                                 const TransferRequest& req, Rail* rail);

// ---- stats -------------------------------------------------------------------------------

struct StatsPeriod {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
};
// [from, to): RFC 3339 times or dates; to defaults to now, from to 30 days before to.
// 400 (field from / to) when unparsable or from ≥ to.
Result<StatsPeriod> parse_stats_period(const std::optional<std::string>& from,
                                       const std::optional<std::string>& to, int64_t now_ms);
// {from, to, org_id?, count, settled, pending, failed, volume:[{rail, currency, count, amount,
// amount_usd}] (settled only), volume_usd, unique_payers, unique_payees, fees_usd (+ *_micros)}.
// `identifying` false (public stats) leaves out org_id; nothing in it names an org, agent or
// address either way.
Result<nlohmann::json> stats(store::Db& db, const std::string& org_id, const StatsPeriod& p,
                             bool identifying);

}  // namespace secu::tx
