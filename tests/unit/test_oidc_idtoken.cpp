// The ID-token verifier (daemon/integrations/oidc_idtoken) against tokens signed here with
// OpenSSL: RS256 and ES256 accepted from their JWKs; every other alg, a foreign key, a bad
// signature and each failing claim refused with a message that says which.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <memory>

#include "integrations/oidc_idtoken.hpp"
#include "secu/crypto.hpp"

// Not `json`: in a unity batch another file's `using namespace secu;` makes that ambiguous.
using Json = nlohmann::json;
using secu::daemon::oidc::IdTokenCheck;
using secu::daemon::oidc::verify_id_token;

namespace {

struct PKeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, PKeyFree>;

std::string b64u(std::string_view s) {
  return secu::crypto::base64url_encode(s);
}

std::string bn_bytes(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(k, name, &bn) == 1);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

struct IdpKey {
  PKey pkey;
  std::string alg;
  Json jwk;
};

IdpKey make_key(const std::string& alg, const std::string& kid) {
  IdpKey k;
  k.alg = alg;
  if (alg == "ES256") {
    k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    REQUIRE(k.pkey);
    unsigned char pub[65];
    size_t len = 0;
    REQUIRE(EVP_PKEY_get_octet_string_param(k.pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub,
                                            &len) == 1);
    REQUIRE(len == 65);
    const std::string p(reinterpret_cast<char*>(pub), len);
    k.jwk = {{"kty", "EC"},
             {"crv", "P-256"},
             {"x", b64u(p.substr(1, 32))},
             {"y", b64u(p.substr(33, 32))},
             {"kid", kid},
             {"alg", alg},
             {"use", "sig"}};
  } else {
    k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
    REQUIRE(k.pkey);
    k.jwk = {{"kty", "RSA"},
             {"n", b64u(bn_bytes(k.pkey.get(), OSSL_PKEY_PARAM_RSA_N))},
             {"e", b64u(bn_bytes(k.pkey.get(), OSSL_PKEY_PARAM_RSA_E))},
             {"kid", kid},
             {"alg", alg}};
  }
  return k;
}

std::string sign(const IdpKey& k, const std::string& input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  REQUIRE(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, k.pkey.get()) == 1);
  size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  REQUIRE(EVP_DigestSign(ctx, nullptr, &len, data, input.size()) == 1);
  std::string sig(len, '\0');
  REQUIRE(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                         input.size()) == 1);
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (k.alg != "ES256") return sig;
  // DER → r ‖ s, as JWS wants it.
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  REQUIRE(es);
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(es);
  return raw;
}

constexpr int64_t kTokenNow = 1'800'000'000;

Json claims() {
  return {{"iss", "https://idp.example"}, {"aud", "secu"},          {"sub", "u1"},
          {"iat", kTokenNow - 10},        {"exp", kTokenNow + 300}, {"nonce", "n"}};
}

std::string token(const IdpKey& k, const Json& payload, Json header = Json::object()) {
  if (header.empty()) header = {{"alg", k.alg}, {"kid", k.jwk["kid"]}, {"typ", "JWT"}};
  const std::string input = b64u(header.dump()) + "." + b64u(payload.dump());
  return input + "." + b64u(sign(k, input));
}

IdTokenCheck check() {
  return {.issuer = "https://idp.example", .client_id = "secu", .now_s = kTokenNow, .leeway_s = 60};
}

std::string refusal(const std::string& tok, const Json& jwks) {
  auto r = verify_id_token(tok, jwks, check());
  if (r.ok()) return "accepted";
  CHECK(r.error().code == "invalid_id_token");
  return r.error().message;
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("oidc ID tokens: RS256 and ES256 from JWKs verify and claims come back", "[oidc]") {
  for (const std::string alg : {"ES256", "RS256"}) {
    INFO(alg);
    const IdpKey k = make_key(alg, "k1");
    const IdpKey other = make_key(alg == "ES256" ? "RS256" : "ES256", "k2");
    const Json jwks = {{"keys", {other.jwk, k.jwk}}};
    auto r = verify_id_token(token(k, claims()), jwks, check());
    REQUIRE(r.ok());
    CHECK((*r)["sub"] == "u1");
    CHECK((*r)["nonce"] == "n");
    // Without a kid, the one key of the right type is used.
    auto nokid = verify_id_token(token(k, claims(), {{"alg", alg}}), jwks, check());
    CHECK(nokid.ok());
    // aud as a list with azp.
    auto c = claims();
    c["aud"] = {"secu", "other"};
    c["azp"] = "secu";
    CHECK(verify_id_token(token(k, c), jwks, check()).ok());
  }
}

TEST_CASE("oidc ID tokens: refused algs, keys and signatures", "[oidc]") {
  const IdpKey es = make_key("ES256", "es");
  const IdpKey rs = make_key("RS256", "rs");
  const Json jwks = {{"keys", {es.jwk, rs.jwk}}};
  const std::string good = token(es, claims());
  const std::string body = good.substr(0, good.rfind('.'));
  const std::string payload = body.substr(body.find('.') + 1);

  CHECK(has(refusal(b64u(R"({"alg":"none"})") + "." + payload + ".", jwks), "alg none"));
  CHECK(
      has(refusal(b64u(R"({"alg":"HS256","kid":"rs"})") + "." + payload + ".c2ln", jwks), "HMAC"));
  CHECK(has(refusal(b64u(R"({"alg":"PS256","kid":"rs"})") + "." + payload + ".c2ln", jwks),
            "not supported"));
  CHECK(has(
      refusal(b64u(R"({"alg":"ES256","kid":"es","crit":["x"]})") + "." + payload + ".c2ln", jwks),
      "critical"));
  // A key the JWKS does not hold; a kid of the wrong key type.
  const IdpKey rogue = make_key("ES256", "rogue");
  CHECK(has(refusal(token(rogue, claims()), jwks), "does not publish"));
  CHECK(has(refusal(token(rogue, claims(), {{"alg", "ES256"}, {"kid", "es"}}), jwks),
            "signature does not verify"));
  CHECK(has(refusal(token(es, claims(), {{"alg", "ES256"}, {"kid", "rs"}}), jwks),
            "does not publish"));
  // A flipped payload under the original signature.
  auto c = claims();
  c["sub"] = "admin";
  const std::string forged =
      body.substr(0, body.find('.') + 1) + b64u(c.dump()) + good.substr(good.rfind('.'));
  CHECK(has(refusal(forged, jwks), "signature does not verify"));
  CHECK(has(refusal("a.b", jwks), "malformed"));
  CHECK(has(refusal("", jwks), "malformed"));
  // A JWK that says another alg than the header.
  Json mixed = jwks;
  mixed["keys"][0]["alg"] = "ES384";
  CHECK(has(refusal(good, mixed), "does not publish"));
}

TEST_CASE("oidc ID tokens: iss, aud, exp, iat, nbf, sub", "[oidc]") {
  const IdpKey k = make_key("ES256", "k");
  const Json jwks = {{"keys", {k.jwk}}};
  auto with = [&](const char* key, const Json& v) {
    auto c = claims();
    if (v.is_null()) {
      c.erase(key);
    } else {
      c[key] = v;
    }
    return refusal(token(k, c), jwks);
  };
  CHECK(has(with("iss", "https://evil.example"), "another issuer"));
  CHECK(has(with("aud", "other"), "audience"));
  CHECK(has(with("aud", Json::array({"other", "secu"})), "audience"));  // no azp
  CHECK(has(with("aud", nullptr), "audience"));
  CHECK(has(with("exp", kTokenNow - 61), "expired"));
  CHECK(with("exp", kTokenNow - 30) == "accepted");  // within the leeway
  CHECK(has(with("exp", nullptr), "no expiry"));
  CHECK(has(with("iat", kTokenNow + 120), "future"));
  CHECK(has(with("iat", nullptr), "issue time"));
  CHECK(has(with("nbf", kTokenNow + 120), "not valid yet"));
  CHECK(has(with("sub", nullptr), "subject"));
}
