#include "integrations/x402_facilitator.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "secu/clock.hpp"
#include "secu/log.hpp"

namespace secu::daemon {

namespace {

constexpr int64_t kValiditySeconds = 300;

tx::RailResult failed(std::string code, std::string message) {
  tx::RailResult r;
  r.failure_code = std::move(code);
  r.message = std::move(message);
  return r;
}

// A facilitator's reason as a snake_case code we can store and show ("" → fallback).
std::string reason_code(const nlohmann::json& j, const char* key, const char* fallback) {
  if (!j.contains(key) || !j[key].is_string()) return fallback;
  std::string out;
  for (char c : j[key].get<std::string>()) {
    if (out.size() >= 64) break;
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c))
                                                              : '_');
  }
  return out.empty() ? fallback : out;
}

}  // namespace

bool split_base_url(const std::string& url, std::string& origin, std::string& prefix) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  const auto slash = url.find('/', scheme + 3);
  origin = url.substr(0, slash);
  prefix = slash == std::string::npos ? "" : url.substr(slash);
  while (!prefix.empty() && prefix.back() == '/')
    prefix.pop_back();
  return origin.size() > scheme + 3;
}

tx::RailResult X402Rail::pay(const tx::RailPayment& p) {
  std::string origin, prefix;
  if (!split_base_url(m_s.base_url, origin, prefix)) {
    return failed("rail_misconfigured", "the x402 facilitator URL is invalid");
  }
  const int64_t now_s = now_ms() / 1000;
  const std::string amount = std::to_string(p.amount);
  nlohmann::json authorization = {
      {"from", "secu:" + p.from_wallet_id},
      {"to", p.to_address.value_or("")},
      {"value", amount},
      {"validAfter", std::to_string(now_s - 5)},
      {"validBefore", std::to_string(now_s + kValiditySeconds)},
      // One nonce per transfer: a facilitator settles it once.
      {"nonce", "0x" + crypto::hex_encode(crypto::sha256(p.transfer_id))}};
  const std::string signature =
      "0x" + crypto::hex_encode(crypto::sign(m_key, authorization.dump()));
  nlohmann::json requirements = {{"scheme", "exact"},
                                 {"network", p.network.value_or("")},
                                 {"maxAmountRequired", amount},
                                 {"resource", "secu:transfer/" + p.transfer_id},
                                 {"description", "Secu transfer " + p.transfer_id},
                                 {"mimeType", "application/json"},
                                 {"payTo", p.to_address.value_or("")},
                                 {"maxTimeoutSeconds", 60},
                                 {"asset", p.asset.value_or("")},
                                 {"extra", {{"secu_transfer_id", p.transfer_id}}}};
  nlohmann::json body = {
      {"x402Version", 1},
      {"paymentPayload",
       {{"x402Version", 1},
        {"scheme", "exact"},
        {"network", p.network.value_or("")},
        {"payload", {{"signature", signature}, {"authorization", authorization}}}}},
      {"paymentRequirements", requirements}};
  const std::string text = body.dump();

  httplib::Client client(origin);
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(m_s.connect_timeout);
  client.set_read_timeout(m_s.read_timeout);
  client.set_follow_location(false);
  httplib::Headers headers = {{"X-Request-Id", p.request_id}};

  auto call = [&](const char* path, nlohmann::json& out) -> std::string {
    auto res = client.Post((prefix + path).c_str(), headers, text, "application/json");
    if (!res) return "facilitator_unreachable";
    if (res->status != 200) return "facilitator_error";
    out = nlohmann::json::parse(res->body, nullptr, false);
    if (!out.is_object()) return "facilitator_error";
    return {};
  };

  nlohmann::json verify;
  if (auto err = call("/verify", verify); !err.empty()) {
    log::warn("x402 verify failed", {{"request_id", p.request_id}, {"reason", err}});
    return failed(err, "the x402 facilitator did not verify the payment");
  }
  if (!verify.value("isValid", false)) {
    return failed(reason_code(verify, "invalidReason", "payment_invalid"),
                  "the x402 facilitator rejected the payment");
  }
  nlohmann::json settle;
  if (auto err = call("/settle", settle); !err.empty()) {
    log::warn("x402 settle failed", {{"request_id", p.request_id}, {"reason", err}});
    return failed(err, "the x402 facilitator did not settle the payment");
  }
  if (!settle.value("success", false)) {
    auto r = failed(reason_code(settle, "errorReason", "settlement_failed"),
                    "the x402 facilitator could not settle the payment");
    return r;
  }
  tx::RailResult ok;
  ok.settled = true;
  if (settle.contains("transaction") && settle["transaction"].is_string()) {
    ok.external_ref = settle["transaction"].get<std::string>().substr(0, 200);
  }
  return ok;
}

}  // namespace secu::daemon
