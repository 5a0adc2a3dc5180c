// The x402 rail: pays an address through an x402 facilitator (POST {base}/verify, then
// POST {base}/settle, x402 v1 "exact" scheme). Secu is the custodial payer: the agent's wallet
// is debited in the ledger (a hold, posted once the facilitator settled) and the payment
// payload is authorised by secud's Ed25519 signing key, so a facilitator that knows secud's
// public key can check that the payment came from it. (A facilitator that settles EIP-3009
// authorisations on an EVM chain needs an EVM signer here instead: that is the seam.)
// Thread-safety: pay() may run on many threads at once (one client per call).
#pragma once

#include <chrono>
#include <string>

#include "secu/crypto.hpp"
#include "secu/tx.hpp"

namespace secu::daemon {

struct X402Settings {
  std::string base_url;  // http(s)://host[:port][/prefix]
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::seconds read_timeout{30};
};

class X402Rail final : public tx::Rail {
 public:
  X402Rail(X402Settings s, const crypto::SigningKey& key) : m_s(std::move(s)), m_key(key) {}
  tx::RailResult pay(const tx::RailPayment& p) override;

 private:
  X402Settings m_s;
  const crypto::SigningKey& m_key;
};

// Splits "http://h:p/prefix" into ("http://h:p", "/prefix"); false when it is not a URL.
bool split_base_url(const std::string& url, std::string& origin, std::string& prefix);

}  // namespace secu::daemon
