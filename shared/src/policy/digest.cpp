// The digest an approval grant is bound to. Versioned and length-prefixed so that field
// boundaries are part of what is hashed: moving bytes from the path into the query or the body
// gives another digest.
#include <string>

#include "secu/crypto.hpp"
#include "secu/policy.hpp"

namespace secu::policy {

namespace {

void put(crypto::Sha256& h, std::string_view field) {
  unsigned char len[8];
  uint64_t n = field.size();
  for (int i = 7; i >= 0; --i) {
    len[i] = static_cast<unsigned char>(n & 0xFF);
    n >>= 8;
  }
  h.update(std::string_view(reinterpret_cast<const char*>(len), sizeof len));
  h.update(field);
}

}  // namespace

std::string request_digest(const DigestInput& in) {
  crypto::Sha256 h;
  put(h, "secu.approval.v1");
  put(h, in.agent_id);
  put(h, in.vendor_id);
  put(h, in.method);
  put(h, in.path);
  put(h, in.query);
  put(h, in.body);
  put(h, std::to_string(in.cost_micros));
  return crypto::hex_encode(h.finish());
}

}  // namespace secu::policy
