#include "integrations/stripe_rail.hpp"

#include "secu/log.hpp"

namespace secu::daemon {

namespace {

// Stripe's reason for a failed payment as a snake_case failure_code.
std::string failure_code_of(const Error& e) {
  for (const char* k : {"stripe_decline_code", "stripe_code"}) {
    if (auto it = e.extra.find(k); it != e.extra.end() && !it->second.empty()) return it->second;
  }
  return e.code;
}

}  // namespace

nlohmann::json payment_intent_params(const tx::RailPayment& p) {
  nlohmann::json metadata = nlohmann::json::object();
  for (const auto& [k, v] : p.metadata)
    metadata[k] = v;
  metadata["transfer_id"] = p.transfer_id;  // ours wins: Stripe's side names the transfer
  nlohmann::json params = {
      {"amount", p.amount},
      {"currency", p.currency},
      {"confirm", true},
      {"automatic_payment_methods", {{"enabled", true}, {"allow_redirects", "never"}}},
      {"description", "Secu transfer " + p.transfer_id},
      {"metadata", metadata}};
  const std::string token = p.shared_payment_token.value_or("");
  if (token.rfind("pm_", 0) == 0) {
    params["payment_method"] = token;
  } else {
    params["payment_method_data"] = {{"shared_payment_granted_token", token}};
  }
  return params;
}

tx::RailResult StripeRail::pay(const tx::RailPayment& p) {
  const std::string key = "secu-transfer-" + p.transfer_id;
  const auto params = payment_intent_params(p);
  auto res = m_client.post("/v1/payment_intents", params, key);
  if (!res.ok() && res.error().kind == ErrorKind::kTimeout) {
    // Stripe may have charged: the same key answers what it did instead of charging again.
    res = m_client.post("/v1/payment_intents", params, key);
  }
  tx::RailResult r;
  if (!res.ok()) {
    Error e = res.take_error();
    r.failure_code = failure_code_of(e);
    r.message = e.message;
    r.error = std::move(e);
    return r;
  }
  const auto& pi = *res;
  r.external_ref = pi.value("id", "");
  const std::string status = pi.value("status", "");
  if (status == "succeeded") {
    r.settled = true;
    return r;
  }
  // Not paid now: cancel it so it cannot complete later while Secu voids the hold.
  if (!r.external_ref.empty() && status != "canceled" && status != "processing") {
    auto c = m_client.post("/v1/payment_intents/" + r.external_ref + "/cancel",
                           nlohmann::json::object(), key + "-cancel");
    if (!c.ok()) {
      log::warn("stripe payment intent not cancelled",
                {{"request_id", p.request_id}, {"code", c.error().code}});
    }
  }
  r.failure_code = "payment_intent_" + (status.empty() ? std::string("unknown") : status);
  r.message = "the Stripe PaymentIntent did not succeed (status " + status + ")";
  Error e = Error::make(ErrorKind::kUpstream, "stripe_payment_incomplete", r.message);
  e.extra["stripe_status"] = status;
  r.error = std::move(e);
  return r;
}

}  // namespace secu::daemon
