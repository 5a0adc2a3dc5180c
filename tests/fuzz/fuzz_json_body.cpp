// Request bodies as the handlers take them: json::parse_body (nesting limit, duplicate keys),
// then json::Reader with the field rules of POST /v1/agents, POST /v1/policies,
// POST /v1/tx/transfer and POST /v1/wallets/fund, then the validators behind them
// (policy::validate_policy, tx::validate). Besides ASan/UBSan it checks the promises the
// handlers rely on: what the Reader hands out respects its rule (length, range, no control
// characters, amounts finite and non-negative), and a parsed body re-serialises to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "secu/json_body.hpp"
#include "secu/json_input.hpp"
#include "secu/policy.hpp"
#include "secu/tx.hpp"

using namespace secu;

namespace {

bool clean(const std::string& s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

void check_str(const std::optional<std::string>& s, size_t max_bytes) {
  if (s) FUZZ_REQUIRE(clean(*s) && s->size() <= max_bytes);
}

void check_usd(const std::optional<int64_t>& micros) {
  if (micros) FUZZ_REQUIRE(*micros >= 0 && *micros <= 1'000'000'000'000'000);
}

void agent_create(const nlohmann::json& body) {
  json::Reader r(body);
  check_str(r.str("org_id", {.max_len = 64}), 64 * 4);
  check_str(r.str("name", {.required = true, .min_len = 1, .max_len = 200}), 200 * 4);
  check_usd(r.usd("daily_budget"));
  auto ids = r.str_array("policy_ids", {.max_items = 100, .max_len = 64});
  if (ids) {
    FUZZ_REQUIRE(ids->size() <= 100);
    for (const auto& id : *ids)
      FUZZ_REQUIRE(clean(id));
  }
  (void)r.finish();
}

void policy_create(const nlohmann::json& body) {
  json::Reader r(body);
  constexpr json::ArrayRule kGlobs{.max_items = 200, .max_len = 256};
  constexpr json::ArrayRule kPrefixes{.max_items = 200, .max_len = 1024};
  policy::Policy p;
  p.name = r.str("name", {.required = true, .min_len = 1, .max_len = 200}).value_or("");
  p.allowed_actions = r.str_array("allowed_actions", kGlobs).value_or(std::vector<std::string>{});
  p.denied_path_prefixes =
      r.str_array("denied_path_prefixes", kPrefixes).value_or(std::vector<std::string>{});
  p.max_cost_per_request_micros = r.usd("max_cost_per_request");
  p.require_approval = r.boolean("require_approval").value_or(false);
  p.approval_min_cost_micros = r.usd("approval_min_cost");
  p.approval_actions = r.str_array("approval_actions", kGlobs).value_or(std::vector<std::string>{});
  check_usd(p.max_cost_per_request_micros);
  check_usd(p.approval_min_cost_micros);
  if (!r.finish().ok()) return;
  if (!policy::validate_policy(p).ok()) return;
  // A valid policy's prefixes normalise (validate_path_prefix promises it).
  for (const auto& prefix : p.denied_path_prefixes)
    FUZZ_REQUIRE(policy::normalize_path(prefix).ok());
}

// The handler's own parser (secu/tx.hpp): whatever it accepts keeps its promises.
void transfer(const nlohmann::json& body) {
  auto in = tx::parse_transfer_request(body);
  if (!in.ok()) return;
  FUZZ_REQUIRE(in->amount >= 1);
  FUZZ_REQUIRE(in->amount_micros.has_value() && *in->amount_micros >= 0);
  for (const auto& [k, v] : in->metadata)
    FUZZ_REQUIRE(clean(k) && clean(v));
}

void wallet_fund(const nlohmann::json& body) {
  json::Reader r(body);
  check_str(r.str("agent_id", {.min_len = 1, .max_len = 64}), 64 * 4);
  check_str(r.str("currency", {.required = true, .max_len = 32}), 32 * 4);
  const auto amount = r.integer("amount", {.required = true, .min = 1});
  if (amount) FUZZ_REQUIRE(*amount >= 1);
  check_str(r.str("note", {.max_len = 500}), 500 * 4);
  (void)r.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = json::parse_body(text);
  if (!parsed.ok()) {
    FUZZ_REQUIRE(parsed.error().kind == ErrorKind::kInvalid && !parsed.error().code.empty());
    return 0;
  }
  const nlohmann::json& body = *parsed;
  FUZZ_REQUIRE(body.is_object());
  // Nothing after a NUL can hide from the parser (nlohmann stops at one).
  FUZZ_REQUIRE(text.find('\0') == std::string_view::npos);
  // What secud stores and signs (canonical bodies, audit details) is a re-serialisation: it
  // must parse back to the same document, within the same limits.
  const std::string dumped = body.dump();
  auto again = json::parse_body(dumped);
  FUZZ_REQUIRE(again.ok() && *again == body);
  agent_create(body);
  policy_create(body);
  transfer(body);
  wallet_fund(body);
  return 0;
}
