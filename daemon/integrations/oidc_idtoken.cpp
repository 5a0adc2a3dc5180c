// OpenSSL lives in this file only (and httplib's TLS): every OpenSSL object has a unique_ptr
// owner, so no path leaks a key or a context.
#include "integrations/oidc_idtoken.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

#include "secu/crypto.hpp"

namespace secu::daemon::oidc {

namespace {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using BigNum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

Error bad(std::string message) {
  return Error::make(ErrorKind::kUnauthenticated, "invalid_id_token",
                     "the ID token was refused: " + std::move(message));
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

struct Parts {
  std::string_view signing_input;  // header.payload
  std::string header_b64, payload_b64, signature_b64;
};

Result<Parts> split(std::string_view token) {
  if (token.empty() || token.size() > 16 * 1024) return bad("malformed token");
  const auto d1 = token.find('.');
  const auto d2 = d1 == token.npos ? token.npos : token.find('.', d1 + 1);
  if (d2 == token.npos || token.find('.', d2 + 1) != token.npos) return bad("malformed token");
  Parts p;
  p.signing_input = token.substr(0, d2);
  p.header_b64 = std::string(token.substr(0, d1));
  p.payload_b64 = std::string(token.substr(d1 + 1, d2 - d1 - 1));
  p.signature_b64 = std::string(token.substr(d2 + 1));
  return p;
}

Result<nlohmann::json> decode_object(const std::string& b64, const char* what) {
  auto raw = crypto::base64url_decode(b64);
  if (!raw.ok()) return bad(std::string(what) + " is not base64url");
  auto j = nlohmann::json::parse(*raw, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad(std::string(what) + " is not a JSON object");
  return j;
}

std::string str_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::string> b64_field(const nlohmann::json& jwk, const char* key) {
  const std::string v = str_of(jwk, key);
  if (v.empty()) return bad(std::string("the signing key has no ") + key);
  auto raw = crypto::base64url_decode(v);
  if (!raw.ok() || raw->empty()) return bad(std::string("the signing key's ") + key + " is bad");
  return std::move(*raw);
}

// The JWK's kty that an alg needs.
const char* kty_for(const std::string& alg) {
  return alg == "RS256" ? "RSA" : "EC";
}

bool key_matches(const nlohmann::json& k, const std::string& alg) {
  if (!k.is_object() || str_of(k, "kty") != kty_for(alg)) return false;
  if (alg == "ES256" && str_of(k, "crv") != "P-256") return false;
  const std::string use = str_of(k, "use");
  if (!use.empty() && use != "sig") return false;
  const std::string kalg = str_of(k, "alg");
  return kalg.empty() || kalg == alg;
}

const nlohmann::json* find_key(const nlohmann::json& jwks, const nlohmann::json& header) {
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) return nullptr;
  const std::string alg = str_of(header, "alg");
  const std::string kid = str_of(header, "kid");
  const nlohmann::json* found = nullptr;
  int candidates = 0;
  for (const auto& k : jwks["keys"]) {
    if (!key_matches(k, alg)) continue;
    if (!kid.empty()) {
      if (str_of(k, "kid") == kid) return &k;
      continue;
    }
    found = &k;
    ++candidates;
  }
  // Without a kid, only an unambiguous key will do.
  return candidates == 1 ? found : nullptr;
}

PKey pkey_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  Params params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return nullptr;
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
  return PKey(raw);
}

Result<PKey> rsa_key(const nlohmann::json& jwk) {
  SECU_TRY(auto n_raw, b64_field(jwk, "n"));
  SECU_TRY(auto e_raw, b64_field(jwk, "e"));
  BigNum n(BN_bin2bn(bytes(n_raw), static_cast<int>(n_raw.size()), nullptr));
  BigNum e(BN_bin2bn(bytes(e_raw), static_cast<int>(e_raw.size()), nullptr));
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!n || !e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return bad("the RSA signing key cannot be loaded");
  }
  PKey key = pkey_from_params("RSA", bld.get());
  if (!key) return bad("the RSA signing key cannot be loaded");
  if (EVP_PKEY_get_bits(key.get()) < 2048)
    return bad("the RSA signing key is shorter than 2048 bits");
  return key;
}

Result<PKey> ec_key(const nlohmann::json& jwk) {
  SECU_TRY(auto x, b64_field(jwk, "x"));
  SECU_TRY(auto y, b64_field(jwk, "y"));
  if (x.size() != 32 || y.size() != 32) return bad("the EC signing key is not a P-256 point");
  // The uncompressed point encoding: 0x04 ‖ x ‖ y (SEC 1 §2.3.3).
  const std::string point = std::string(1, '\x04') + x + y;
  ParamBld bld(OSSL_PARAM_BLD_new());
  char group[] = "prime256v1";
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return bad("the EC signing key cannot be loaded");
  }
  PKey key = pkey_from_params("EC", bld.get());
  if (!key) return bad("the EC signing key is not a valid P-256 point");
  return key;
}

// JWS ES256 signatures are r ‖ s (32 bytes each, RFC 7518 §3.4); OpenSSL wants DER.
Result<std::string> ecdsa_der(const std::string& raw) {
  if (raw.size() != 64) return bad("the ES256 signature has the wrong length");
  EcdsaSig sig(ECDSA_SIG_new());
  BigNum r(BN_bin2bn(bytes(raw), 32, nullptr));
  BigNum s(BN_bin2bn(bytes(raw) + 32, 32, nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return bad("the ES256 signature cannot be decoded");
  }
  r.release();  // owned by sig now
  s.release();
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return bad("the ES256 signature cannot be encoded");
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool verify_sha256(EVP_PKEY* key, std::string_view data, const std::string& sig) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), bytes(sig), sig.size(), bytes(data), data.size()) == 1;
}

Status check_alg(const nlohmann::json& header) {
  const std::string alg = str_of(header, "alg");
  if (alg.empty() || alg == "none" || alg == "None" || alg == "NONE") {
    return bad("unsigned tokens (alg none) are not accepted");
  }
  if (alg.starts_with("HS")) return bad("HMAC-signed tokens (" + alg + ") are not accepted");
  if (alg != "RS256" && alg != "ES256")
    return bad("the signature algorithm " + alg + " is not supported");
  if (header.contains("crit")) return bad("critical header extensions are not supported");
  return {};
}

std::optional<int64_t> num_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->is_number_integer() ? it->get<int64_t>() : static_cast<int64_t>(it->get<double>());
}

Status check_claims(const nlohmann::json& c, const IdTokenCheck& check) {
  if (str_of(c, "iss") != check.issuer) return bad("it was issued by another issuer");
  const auto& aud = c.contains("aud") ? c["aud"] : nlohmann::json();
  bool for_us = false;
  if (aud.is_string()) {
    for_us = aud.get<std::string>() == check.client_id;
  } else if (aud.is_array()) {
    for (const auto& a : aud)
      if (a.is_string() && a.get<std::string>() == check.client_id) for_us = true;
    if (for_us && aud.size() > 1 && str_of(c, "azp") != check.client_id) for_us = false;
  }
  if (!for_us) return bad("its audience is not this client");
  const auto exp = num_of(c, "exp");
  if (!exp) return bad("it has no expiry");
  if (*exp + check.leeway_s <= check.now_s) return bad("it has expired");
  const auto iat = num_of(c, "iat");
  if (!iat) return bad("it has no issue time");
  if (*iat - check.leeway_s > check.now_s) return bad("it was issued in the future");
  if (const auto nbf = num_of(c, "nbf"); nbf && *nbf - check.leeway_s > check.now_s) {
    return bad("it is not valid yet");
  }
  if (str_of(c, "sub").empty()) return bad("it has no subject");
  return {};
}

}  // namespace

Result<nlohmann::json> id_token_header(std::string_view token) {
  SECU_TRY(auto parts, split(token));
  return decode_object(parts.header_b64, "the header");
}

bool jwks_has_key_for(const nlohmann::json& jwks, const nlohmann::json& header) {
  return find_key(jwks, header) != nullptr;
}

Result<nlohmann::json> verify_id_token(std::string_view token, const nlohmann::json& jwks,
                                       const IdTokenCheck& check) {
  SECU_TRY(auto parts, split(token));
  SECU_TRY(auto header, decode_object(parts.header_b64, "the header"));
  SECU_TRY_VOID(check_alg(header));
  const nlohmann::json* jwk = find_key(jwks, header);
  if (!jwk) return bad("it is signed by a key the identity provider does not publish");
  const std::string alg = str_of(header, "alg");
  PKey key;
  if (alg == "RS256") {
    SECU_TRY(key, rsa_key(*jwk));
  } else {
    SECU_TRY(key, ec_key(*jwk));
  }
  auto sig = crypto::base64url_decode(parts.signature_b64);
  if (!sig.ok() || sig->empty()) return bad("the signature is not base64url");
  std::string der_or_raw = std::move(*sig);
  if (alg == "ES256") {
    SECU_TRY(der_or_raw, ecdsa_der(der_or_raw));
  }
  if (!verify_sha256(key.get(), parts.signing_input, der_or_raw)) {
    return bad("the signature does not verify");
  }
  // Claims only after the signature: nothing unauthenticated steers the checks.
  SECU_TRY(auto claims, decode_object(parts.payload_b64, "the payload"));
  SECU_TRY_VOID(check_claims(claims, check));
  return claims;
}

}  // namespace secu::daemon::oidc
