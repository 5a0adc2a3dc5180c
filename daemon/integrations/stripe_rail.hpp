// The stripe rail of POST /v1/tx/transfer: one PaymentIntent per transfer, created and confirmed
// in the same call (https://docs.stripe.com/api/payment_intents/create) through StripeClient.
//   amount (minor units) + currency, confirm=true, automatic_payment_methods with
//   allow_redirects=never (a server-side payment cannot follow a redirect), metadata (the
//   transfer's own, then transfer_id), description.
//   The request's shared_payment_token is a Stripe PaymentMethod id (pm_…) → payment_method;
//   anything else (a SharedPaymentGrantedToken, spt_…) →
//   payment_method_data[shared_payment_granted_token] (Stripe's agentic-commerce shape).
//   Idempotency-Key "secu-transfer-<transfer id>": the same transfer never pays twice, and a
//   timed-out call is asked once more with the same key, so Stripe answers what it did.
// Settled only when the PaymentIntent is `succeeded`; another status (requires_action, …) is
// cancelled (best effort) and fails the transfer with 502 stripe_payment_incomplete; Stripe's
// errors (a decline is HTTP 402) fail it with the client's 502 stripe_error, whose
// decline_code / code becomes the transfer's failure_code.
// Thread-safety: pay() may run on many threads at once (StripeClient is immutable).
#pragma once

#include "integrations/stripe_client.hpp"
#include "secu/tx.hpp"

namespace secu::daemon {

class StripeRail final : public tx::Rail {
 public:
  explicit StripeRail(StripeClient client) : m_client(std::move(client)) {}
  tx::RailResult pay(const tx::RailPayment& p) override;

 private:
  StripeClient m_client;
};

// The PaymentIntent parameters for a payment (exposed for unit tests).
nlohmann::json payment_intent_params(const tx::RailPayment& p);

}  // namespace secu::daemon
