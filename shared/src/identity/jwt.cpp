#include "secu/jwt.hpp"

#include <nlohmann/json.hpp>

namespace secu::jwt {

namespace {

// The headers secud issues and accepts, byte for byte: without a kid, or with one in between.
constexpr std::string_view kHeader = R"({"alg":"EdDSA","typ":"JWT"})";
constexpr std::string_view kKidHeadStart = R"({"alg":"EdDSA","kid":")";
constexpr std::string_view kKidHeadEnd = R"(","typ":"JWT"})";

std::string header_for(std::string_view kid) {
  if (kid.empty()) return std::string(kHeader);
  return std::string(kKidHeadStart) + std::string(kid) + std::string(kKidHeadEnd);
}

// The kid of a header secud would have written (false for any other header).
bool parse_header(std::string_view header, std::string& kid) {
  if (header == kHeader) {
    kid.clear();
    return true;
  }
  if (header.size() <= kKidHeadStart.size() + kKidHeadEnd.size() ||
      !header.starts_with(kKidHeadStart) || !header.ends_with(kKidHeadEnd))
    return false;
  kid = std::string(header.substr(kKidHeadStart.size(),
                                  header.size() - kKidHeadStart.size() - kKidHeadEnd.size()));
  return valid_kid(kid);
}
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

struct Split {
  std::string_view signed_part, header_b64, payload_b64, sig_b64;
};

Result<Split> split(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return bad("invalid token");
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return bad("invalid token");
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return bad("invalid token");
  return Split{token.substr(0, dot2), token.substr(0, dot1),
               token.substr(dot1 + 1, dot2 - dot1 - 1), token.substr(dot2 + 1)};
}

// Steps 2 and 3 of verify: the signature under `public_key`, then the claims.
Result<Claims> check(const Split& t, std::string_view public_key, int64_t now_s) {
  // 2. The signature over "header.payload".
  SECU_TRY(auto sig, decode_part(t.sig_b64));
  if (!crypto::verify(public_key, t.signed_part, sig)) {
    return bad("invalid token: bad signature");
  }

  // 3. The claims (signed by us, but checked anyway: a key compromise must not become a crash).
  SECU_TRY(auto payload, decode_part(t.payload_b64));
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

}  // namespace

bool valid_kid(std::string_view kid) {
  if (kid.empty() || kid.size() > 64) return false;
  for (char ch : kid)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  return true;
}

std::string sign(const crypto::SigningKey& key, const Claims& c, std::string_view kid) {
  const nlohmann::json payload = {{"iss", c.iss},   {"sub", c.sub}, {"org_id", c.org_id},
                                  {"role", c.role}, {"sid", c.sid}, {"iat", c.iat},
                                  {"exp", c.exp}};
  std::string input = crypto::base64url_encode(header_for(kid)) + "." +
                      crypto::base64url_encode(
                          payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  const std::string sig = crypto::sign(key, input);
  return input + "." + crypto::base64url_encode(sig);
}

Result<Claims> verify(std::string_view public_key, std::string_view token, int64_t now_s) {
  SECU_TRY(auto t, split(token));
  // 1. The header, before anything else: only EdDSA, spelled exactly as secud spells it. This
  //    rejects alg "none", HS256/RS256/ES256, "crit", "jku"/"jwk"/"kid" games in one compare.
  SECU_TRY(auto header, decode_part(t.header_b64));
  if (header != kHeader) return bad("invalid token: unsupported algorithm or header");
  return check(t, public_key, now_s);
}

Result<Claims> verify(const KeySet& keys, std::string_view token, int64_t now_s) {
  SECU_TRY(auto t, split(token));
  // 1. The header: one of the two spellings secud writes; the kid only picks among our own
  //    keys (never a key the token brings along).
  SECU_TRY(auto header, decode_part(t.header_b64));
  std::string kid;
  if (!parse_header(header, kid)) return bad("invalid token: unsupported algorithm or header");
  auto it = keys.verifiers.find(kid);
  if (it == keys.verifiers.end()) return bad("invalid token: unknown signing key");
  const auto& v = it->second;
  if (v.retired_s && now_s >= v.verify_until_s) {
    return bad("the token was signed by a retired key; log in again");
  }
  SECU_TRY(auto c, check(t, v.public_key, now_s));
  // A retired key signs nothing more: a token claiming a later iat was not made by secud (a
  // leaked old key must not mint fresh sessions).
  if (v.retired_s && c.iat > v.retired_s) return bad("invalid token: signed by a retired key");
  return c;
}

}  // namespace secu::jwt
