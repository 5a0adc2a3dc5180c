#include "secu/jwt.hpp"

#include <nlohmann/json.hpp>

namespace secu::jwt {

namespace {

// The one header secud issues and accepts, byte for byte.
constexpr std::string_view kHeader = R"({"alg":"EdDSA","typ":"JWT"})";
constexpr int64_t kClockSkewS = 60;

Error bad(std::string message) {
  return Error::unauthenticated(std::move(message));
}

// base64url without padding, and only its canonical form: a token is accepted in exactly one
// spelling, so two different strings never carry the same signed content.
Result<std::string> decode_part(std::string_view part) {
  if (part.empty()) return bad("invalid token");
  auto raw = crypto::base64url_decode(part);
  if (!raw.ok() || crypto::base64url_encode(*raw) != part) return bad("invalid token");
  return std::move(raw).value();
}

bool string_claim(const nlohmann::json& j, const char* name, std::string& out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return false;
  out = it->get<std::string>();
  return !out.empty();
}

bool int_claim(const nlohmann::json& j, const char* name, int64_t& out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return false;
  out = it->get<int64_t>();
  return true;
}

}  // namespace

std::string sign(const crypto::SigningKey& key, const Claims& c) {
  const nlohmann::json payload = {{"iss", c.iss},   {"sub", c.sub}, {"org_id", c.org_id},
                                  {"role", c.role}, {"sid", c.sid}, {"iat", c.iat},
                                  {"exp", c.exp}};
  std::string input = crypto::base64url_encode(kHeader) + "." +
                      crypto::base64url_encode(
                          payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  const std::string sig = crypto::sign(key, input);
  return input + "." + crypto::base64url_encode(sig);
}

Result<Claims> verify(std::string_view public_key, std::string_view token, int64_t now_s) {
  if (token.size() > kMaxTokenBytes) return bad("invalid token");
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return bad("invalid token");
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return bad("invalid token");

  // 1. The header, before anything else: only EdDSA, spelled exactly as secud spells it. This
  //    rejects alg "none", HS256/RS256/ES256, "crit", "jku"/"jwk"/"kid" games in one compare.
  SECU_TRY(auto header, decode_part(token.substr(0, dot1)));
  if (header != kHeader) return bad("invalid token: unsupported algorithm or header");

  // 2. The signature over "header.payload".
  SECU_TRY(auto sig, decode_part(token.substr(dot2 + 1)));
  if (!crypto::verify(public_key, token.substr(0, dot2), sig)) {
    return bad("invalid token: bad signature");
  }

  // 3. The claims (signed by us, but checked anyway: a key compromise must not become a crash).
  SECU_TRY(auto payload, decode_part(token.substr(dot1 + 1, dot2 - dot1 - 1)));
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("invalid token");
  Claims c;
  if (!string_claim(j, "iss", c.iss) || !string_claim(j, "sub", c.sub) ||
      !string_claim(j, "org_id", c.org_id) || !string_claim(j, "role", c.role) ||
      !string_claim(j, "sid", c.sid) || !int_claim(j, "iat", c.iat) ||
      !int_claim(j, "exp", c.exp)) {
    return bad("invalid token: missing or malformed claims");
  }
  if (c.iss != kIssuer) return bad("invalid token: wrong issuer");
  if (now_s >= c.exp) return bad("the token has expired; log in again");
  if (c.iat > now_s + kClockSkewS) return bad("invalid token: issued in the future");
  return c;
}

}  // namespace secu::jwt
