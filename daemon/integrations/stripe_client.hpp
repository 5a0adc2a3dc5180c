// A small client of Stripe's REST API (https://docs.stripe.com/api), generic enough for every
// Stripe call secud makes (customers and invoices now, PaymentIntents for a transfer rail later).
//
// What it does for every call:
//  * Authorization: Bearer <secret key>. The key is read at each call (from the key file, else
//    SECU_STRIPE_SECRET_KEY), so rotating it needs no restart and it never sits in the config
//    snapshot; it never appears in an error, a log line or an audit entry.
//  * Stripe-Version pinned to kStripeVersion, so an account's default version never changes
//    the shapes we parse.
//  * POST bodies form-encoded the way Stripe's own libraries do: nested objects as
//    metadata[org_id]=…, arrays as items[0][price]=….
//  * An Idempotency-Key on every POST (the caller's: it must be stable across retries and
//    restarts for the call to be safe to repeat).
//  * Errors as values: Stripe's error object → 502 "stripe_error" carrying Stripe's status,
//    type, code, decline_code, param and message (extra fields stripe_status, stripe_type,
//    stripe_code, …); no answer in time → 504 "stripe_timeout"; cannot connect → 502
//    "stripe_unreachable"; an answer that is not Stripe's JSON → 502 "stripe_bad_response".
// No retries: the callers resume with the same idempotency keys instead.
// Thread-safety: a StripeClient is immutable; post()/get() may run on many threads at once
// (one connection per call).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "secu/result.hpp"

namespace secu::daemon {

struct Config;

// The API version every request pins (Stripe-Version header).
inline constexpr const char* kStripeVersion = "2024-06-20";
// The environment variable holding the secret key itself (the file option wins).
inline constexpr const char* kStripeSecretKeyEnv = "SECU_STRIPE_SECRET_KEY";

struct StripeSettings {
  std::string api_base = "https://api.stripe.com";  // scheme://host[:port], tests: 127.0.0.1
  std::string secret_key_file;                      // read at each call; "" = use the env var
  int64_t timeout_s = 30;                           // connect, read and write, each
};

class StripeClient {
 public:
  explicit StripeClient(StripeSettings s) : m_settings(std::move(s)) {}

  // A client for the daemon's config; 400 "stripe_not_configured" when no secret key is
  // configured (neither --stripe-secret-key-file nor SECU_STRIPE_SECRET_KEY), 400
  // "stripe_misconfigured" when stripe_api_base is not an http(s) origin.
  static Result<StripeClient> from_config(const Config& c);

  // POST <api_base><path> with `params` (a JSON object) form-encoded. Returns Stripe's JSON.
  Result<nlohmann::json> post(std::string_view path, const nlohmann::json& params,
                              const std::string& idempotency_key) const;
  // GET <api_base><path>?<query form-encoded>.
  Result<nlohmann::json> get(std::string_view path,
                             const nlohmann::json& query = nlohmann::json::object()) const;

  const StripeSettings& settings() const { return m_settings; }

 private:
  Result<nlohmann::json> send(const char* method, std::string_view path, const std::string& body,
                              const std::string& idempotency_key) const;
  StripeSettings m_settings;
};

// Stripe's form encoding of a JSON object: {"a":1,"metadata":{"org_id":"x"},"l":["p","q"]} →
// "a=1&l[0]=p&l[1]=q&metadata[org_id]=x" (brackets literal, as Stripe's libraries send them;
// everything else percent-encoded; booleans true/false; null members skipped).
std::string form_encode(const nlohmann::json& params);

// The Secu error for a Stripe answer with status ≥ 400 (body: Stripe's {"error":{…}} or
// anything else). Any secret key pattern (sk_… / rk_…) in Stripe's message is masked.
Error stripe_error(int status, std::string_view body);

// `text` with every sk_live_/sk_test_/rk_live_/rk_test_ token replaced by "[redacted]".
std::string mask_stripe_keys(std::string_view text);

}  // namespace secu::daemon
