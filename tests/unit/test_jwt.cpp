// Console JWTs: EdDSA only, signature, claims, expiry (secu/jwt.hpp).
#include <catch2/catch.hpp>

#include "secu/crypto.hpp"
#include "secu/jwt.hpp"

using namespace secu;

namespace {

struct Keys {
  Keys() {
    REQUIRE(crypto::init().ok());
    key = crypto::signing_key_generate();
    other = crypto::signing_key_generate();
  }
  crypto::SigningKey key;
  crypto::SigningKey other;
};

constexpr int64_t kNow = 1'800'000'000;

jwt::Claims sample() {
  jwt::Claims c;
  c.sub = "usr_1";
  c.org_id = "org_1";
  c.role = "admin";
  c.sid = "ses_1";
  c.iat = kNow - 10;
  c.exp = kNow + 3600;
  return c;
}

std::string b64(const std::string& s) {
  return crypto::base64url_encode(s);
}

std::string part(const std::string& token, int i) {
  size_t start = 0;
  for (int k = 0; k < i; ++k)
    start = token.find('.', start) + 1;
  const auto end = token.find('.', start);
  return token.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// header.payload signed with `key`, whatever the header claims.
std::string signed_with(const crypto::SigningKey& key, const std::string& header,
                        const std::string& payload) {
  const std::string input = b64(header) + "." + b64(payload);
  return input + "." + b64(crypto::sign(key, input));
}

const std::string kPayload =
    R"({"exp":1800003600,"iat":1799999990,"iss":"secu","org_id":"org_1","role":"admin","sid":"ses_1","sub":"usr_1"})";

}  // namespace

TEST_CASE("a signed JWT verifies and round-trips its claims", "[jwt]") {
  Keys k;
  const auto token = jwt::sign(k.key, sample());
  CHECK(crypto::base64url_decode(part(token, 0)).value() == R"({"alg":"EdDSA","typ":"JWT"})");
  auto c = jwt::verify(k.key.public_key, token, kNow);
  REQUIRE(c.ok());
  CHECK(c->iss == "secu");
  CHECK(c->sub == "usr_1");
  CHECK(c->org_id == "org_1");
  CHECK(c->role == "admin");
  CHECK(c->sid == "ses_1");
  CHECK(c->iat == kNow - 10);
  CHECK(c->exp == kNow + 3600);
}

TEST_CASE("JWT expiry and issue time are enforced", "[jwt]") {
  Keys k;
  const auto token = jwt::sign(k.key, sample());
  CHECK(jwt::verify(k.key.public_key, token, kNow + 3599).ok());
  auto at_exp = jwt::verify(k.key.public_key, token, kNow + 3600);
  REQUIRE_FALSE(at_exp.ok());
  CHECK(at_exp.error().kind == ErrorKind::kUnauthenticated);
  CHECK(at_exp.error().message.find("expired") != std::string::npos);
  auto future = sample();
  future.iat = kNow + 3000;  // beyond the 60 s skew
  CHECK_FALSE(jwt::verify(k.key.public_key, jwt::sign(k.key, future), kNow).ok());
  future.iat = kNow + 30;  // within it
  CHECK(jwt::verify(k.key.public_key, jwt::sign(k.key, future), kNow).ok());
}

TEST_CASE("JWTs with any other algorithm or header are rejected", "[jwt]") {
  Keys k;
  // Each header is signed with the real key, so only the header check can reject it.
  const char* headers[] = {
      R"({"alg":"none","typ":"JWT"})",
      R"({"alg":"HS256","typ":"JWT"})",
      R"({"alg":"RS256","typ":"JWT"})",
      R"({"alg":"ES256","typ":"JWT"})",
      R"({"alg":"EdDSA"})",
      R"({"alg":"eddsa","typ":"JWT"})",
      R"({"typ":"JWT","alg":"EdDSA"})",
      R"({"alg":"EdDSA","typ":"JWT","kid":"x"})",
      R"({"alg":"EdDSA","typ":"JWT","crit":["exp"]})",
      R"({"alg":"EdDSA","typ":"JWT","jku":"https://evil.test/k"})",
      R"( {"alg":"EdDSA","typ":"JWT"})",
      "not json",
  };
  for (const char* h : headers) {
    INFO(h);
    auto r = jwt::verify(k.key.public_key, signed_with(k.key, h, kPayload), kNow);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::kUnauthenticated);
  }
  // The accepted header, signed the same way, passes: the loop above failed on the header.
  CHECK(jwt::verify(k.key.public_key,
                    signed_with(k.key, R"({"alg":"EdDSA","typ":"JWT"})", kPayload), kNow)
            .ok());
}

TEST_CASE("alg none with an empty signature and HS256 keyed with the public key are rejected",
          "[jwt]") {
  Keys k;
  const std::string unsigned_token =
      b64(R"({"alg":"none","typ":"JWT"})") + "." + b64(kPayload) + ".";
  CHECK_FALSE(jwt::verify(k.key.public_key, unsigned_token, kNow).ok());
  CHECK_FALSE(jwt::verify(k.key.public_key,
                          b64(R"({"alg":"none","typ":"JWT"})") + "." + b64(kPayload), kNow)
                  .ok());
  // The classic confusion: HMAC with the public key as the secret.
  const std::string input = b64(R"({"alg":"HS256","typ":"JWT"})") + "." + b64(kPayload);
  const std::string mac = crypto::blake2b_keyed(k.key.public_key, input);  // any MAC
  CHECK_FALSE(jwt::verify(k.key.public_key, input + "." + b64(mac), kNow).ok());
}

TEST_CASE("tampered, foreign or malformed JWTs are rejected", "[jwt]") {
  Keys k;
  const auto token = jwt::sign(k.key, sample());
  // Another key's signature.
  CHECK_FALSE(jwt::verify(k.other.public_key, token, kNow).ok());
  CHECK_FALSE(jwt::verify(k.key.public_key, jwt::sign(k.other, sample()), kNow).ok());
  // A changed payload under the old signature.
  auto escalated = sample();
  escalated.role = "platform_admin";
  const auto forged_payload = part(jwt::sign(k.other, escalated), 1);
  CHECK_FALSE(jwt::verify(k.key.public_key,
                          part(token, 0) + "." + forged_payload + "." + part(token, 2), kNow)
                  .ok());
  // A flipped signature bit.
  auto sig = crypto::base64url_decode(part(token, 2)).value();
  sig[5] = static_cast<char>(sig[5] ^ 1);
  CHECK_FALSE(
      jwt::verify(k.key.public_key, part(token, 0) + "." + part(token, 1) + "." + b64(sig), kNow)
          .ok());
  // Shapes.
  for (const std::string& bad :
       {std::string(), std::string("."), std::string(".."), std::string("a.b"),
        std::string("a.b.c.d"), token + ".", "x" + token, token + "=", std::string(5000, 'a')}) {
    INFO(bad.substr(0, 40));
    CHECK_FALSE(jwt::verify(k.key.public_key, bad, kNow).ok());
  }
}

TEST_CASE("JWT claims must be present, typed and issued by secu", "[jwt]") {
  Keys k;
  const char* payloads[] = {
      R"({"exp":1800003600,"iat":1799999990,"iss":"other","org_id":"o","role":"r","sid":"s","sub":"u"})",
      R"({"exp":1800003600,"iat":1799999990,"org_id":"o","role":"r","sid":"s","sub":"u"})",
      R"({"exp":"1800003600","iat":1799999990,"iss":"secu","org_id":"o","role":"r","sid":"s","sub":"u"})",
      R"({"exp":1800003600.5,"iat":1799999990,"iss":"secu","org_id":"o","role":"r","sid":"s","sub":"u"})",
      R"({"exp":1800003600,"iat":1799999990,"iss":"secu","org_id":"o","role":"r","sub":"u"})",
      R"({"exp":1800003600,"iat":1799999990,"iss":"secu","org_id":"o","role":"r","sid":"","sub":"u"})",
      R"({"exp":1800003600,"iat":1799999990,"iss":"secu","org_id":1,"role":"r","sid":"s","sub":"u"})",
      R"([1,2,3])",
      "garbage",
  };
  for (const char* p : payloads) {
    INFO(p);
    CHECK_FALSE(
        jwt::verify(k.key.public_key, signed_with(k.key, R"({"alg":"EdDSA","typ":"JWT"})", p), kNow)
            .ok());
  }
}

TEST_CASE("a key set picks the key by kid and holds retired keys to their limits", "[jwt]") {
  Keys k;
  jwt::KeySet set;
  set.kid = "jwk_new";
  set.verifiers["jwk_new"] = {k.other.public_key, 0, 0};
  // The old key (no kid) retired at kNow - 100, its tokens accepted until kNow + 1000.
  set.verifiers[""] = {k.key.public_key, kNow - 100, kNow + 1000};

  auto fresh = jwt::sign(k.other, sample(), "jwk_new");
  CHECK(part(fresh, 0) == b64(R"({"alg":"EdDSA","kid":"jwk_new","typ":"JWT"})"));
  CHECK(jwt::verify(set, fresh, kNow).ok());
  // The single-key verifier stays strict: a kid header is not its format.
  CHECK_FALSE(jwt::verify(k.other.public_key, fresh, kNow).ok());

  auto old_claims = sample();
  old_claims.iat = kNow - 200;  // issued before the retirement
  const auto old = jwt::sign(k.key, old_claims);
  CHECK(jwt::verify(set, old, kNow).ok());
  CHECK_FALSE(jwt::verify(set, old, kNow + 1000).ok());  // past verify_until
  auto late = sample();
  late.iat = kNow - 50;  // after the retirement: the old key signs nothing new
  CHECK_FALSE(jwt::verify(set, jwt::sign(k.key, late), kNow).ok());

  // The kid picks among our keys only: a wrong key under a known kid, an unknown kid, a kid
  // outside [a-z0-9_] and a reordered header all fail.
  CHECK_FALSE(jwt::verify(set, jwt::sign(k.key, sample(), "jwk_new"), kNow).ok());
  CHECK_FALSE(jwt::verify(set, jwt::sign(k.other, sample(), "jwk_other"), kNow).ok());
  CHECK_FALSE(
      jwt::verify(set,
                  signed_with(k.other, R"({"alg":"EdDSA","kid":"JWK_NEW","typ":"JWT"})", kPayload),
                  kNow)
          .ok());
  CHECK_FALSE(
      jwt::verify(set,
                  signed_with(k.other, R"({"alg":"EdDSA","typ":"JWT","kid":"jwk_new"})", kPayload),
                  kNow)
          .ok());
  CHECK_FALSE(
      jwt::verify(set,
                  signed_with(k.other, R"({"alg":"none","kid":"jwk_new","typ":"JWT"})", kPayload),
                  kNow)
          .ok());
  CHECK(jwt::valid_kid("jwk_0123abc"));
  CHECK_FALSE(jwt::valid_kid(""));
  CHECK_FALSE(jwt::valid_kid("a\"b"));
  CHECK_FALSE(jwt::valid_kid(std::string(65, 'a')));
}
