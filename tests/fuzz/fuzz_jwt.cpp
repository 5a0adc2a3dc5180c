// Console JWTs (secu/jwt.hpp). Two halves per input:
//   1. the input as a token: verify() must not crash, and whatever it accepts has iss "secu"
//      and has not expired (with a fixed key, only the corpus's signed tokens get that far);
//   2. the input's lines as claims (sub, org_id, role, sid, iat, exp, a byte to flip): sign()
//      then verify() must give the claims back when they are valid and the token unexpired,
//      and the token with any one byte changed must never verify (canonical base64url, exact
//      header, signature over both parts).
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "secu/crypto.hpp"
#include "secu/jwt.hpp"

using namespace secu;

namespace {

using fuzz::lines_of;

constexpr int64_t kNow = 1'800'000'000;  // 2027-01-15: fixed, so runs are reproducible

// A fixed key, so tokens in the corpus (signed with it) reach the claims checks.
const crypto::SigningKey& key() {
  static const crypto::SigningKey k = [] {
    FUZZ_REQUIRE(crypto::init().ok());
    auto sk = crypto::signing_key_from_seed(std::string(32, 'k'));
    FUZZ_REQUIRE(sk.ok());
    return std::move(sk).value();
  }();
  return k;
}

int64_t number(const std::string& s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool ascii(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string pub = key().public_key;

  if (auto c = jwt::verify(pub, text, kNow); c.ok()) {
    FUZZ_REQUIRE(c->iss == jwt::kIssuer && kNow < c->exp && !c->sub.empty());
  }

  const auto f = lines_of(text, 7);
  jwt::Claims claims;
  claims.sub = f[0];
  claims.org_id = f[1];
  claims.role = f[2];
  claims.sid = f[3];
  claims.iat = number(f[4]);
  claims.exp = number(f[5]);
  const std::string token = jwt::sign(key(), claims);
  auto back = jwt::verify(pub, token, kNow);
  const bool should = !f[0].empty() && !f[1].empty() && !f[2].empty() && !f[3].empty() &&
                      token.size() <= jwt::kMaxTokenBytes && kNow < claims.exp &&
                      claims.iat <= kNow + 60;
  if (ascii(f[0]) && ascii(f[1]) && ascii(f[2]) && ascii(f[3])) {
    FUZZ_REQUIRE(back.ok() == should);
    if (back.ok()) {
      FUZZ_REQUIRE(back->sub == claims.sub && back->org_id == claims.org_id &&
                   back->role == claims.role && back->sid == claims.sid &&
                   back->iat == claims.iat && back->exp == claims.exp);
    }
  }
  if (back.ok() && !token.empty()) {
    std::string bent = token;
    const size_t at = static_cast<size_t>(number(f[6]) < 0 ? -(number(f[6]) + 1) : number(f[6]));
    bent[at % bent.size()] ^= static_cast<char>(1 + (at / bent.size()) % 127);
    FUZZ_REQUIRE(!jwt::verify(pub, bent, kNow).ok());
  }
  return 0;
}
