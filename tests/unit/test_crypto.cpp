#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "secu/crypto.hpp"

using namespace secu;
using namespace secu::crypto;

namespace {
struct Init {
  Init() { REQUIRE(init().ok()); }
};
}  // namespace

TEST_CASE("random ids are prefixed, 26 base32 chars, and distinct", "[crypto]") {
  Init i;
  std::set<std::string> seen;
  for (int n = 0; n < 1000; ++n) {
    const auto id = random_id("agt");
    REQUIRE(id.size() == 4 + 26);
    REQUIRE(id.rfind("agt_", 0) == 0);
    REQUIRE(id.substr(4).find_first_not_of("abcdefghijklmnopqrstuvwxyz234567") ==
            std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("ids sort in creation order, even within one millisecond and across threads",
          "[crypto]") {
  Init i;
  std::vector<std::string> ids;
  for (int n = 0; n < 5000; ++n)
    ids.push_back(random_id("agt"));
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  // Concurrent callers never get the same stamp: 4 threads × 2000 ids, all distinct.
  std::vector<std::vector<std::string>> per(4);
  std::vector<std::thread> threads;
  for (auto& v : per)
    threads.emplace_back([&v] {
      for (int n = 0; n < 2000; ++n)
        v.push_back(random_id("k"));
    });
  for (auto& t : threads)
    t.join();
  std::set<std::string> stamps;
  for (const auto& v : per) {
    CHECK(std::is_sorted(v.begin(), v.end()));
    for (const auto& id : v)
      stamps.insert(id.substr(2, 13));
  }
  CHECK(stamps.size() == 8000);
}

TEST_CASE("base64url and hex round trip and reject garbage", "[crypto]") {
  Init i;
  for (size_t n = 0; n < 70; ++n) {
    const auto raw = random_bytes(n);
    CHECK(base64url_decode(base64url_encode(raw)).value() == raw);
    CHECK(base64_decode(base64_encode(raw)).value() == raw);
    CHECK(hex_decode(hex_encode(raw)).value() == raw);
  }
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK_FALSE(base64url_decode("a+b/").ok());
  CHECK_FALSE(base64url_decode("a b").ok());
  CHECK_FALSE(hex_decode("zz").ok());
}

TEST_CASE("sha256 matches the FIPS 180-2 vectors, streaming too", "[crypto]") {
  Init i;
  CHECK(hex_encode(sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_encode(sha256("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 s;
  s.update("a");
  s.update("bc");
  CHECK(hex_encode(s.finish()) == hex_encode(sha256("abc")));
}

TEST_CASE("keyed BLAKE2b depends on the key", "[crypto]") {
  Init i;
  const auto k1 = random_bytes(32), k2 = random_bytes(32);
  CHECK(blake2b_keyed(k1, "token") == blake2b_keyed(k1, "token"));
  CHECK(blake2b_keyed(k1, "token") != blake2b_keyed(k2, "token"));
  CHECK(blake2b_keyed(k1, "token").size() == 32);
}

TEST_CASE("constant-time compare", "[crypto]") {
  Init i;
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
  CHECK(constant_time_equal("", ""));
}

TEST_CASE("Argon2id hashes verify the right password only", "[crypto]") {
  Init i;
  const PasswordCost cheap{1, 64 * 1024};
  auto h = password_hash("correct horse", cheap);
  REQUIRE(h.ok());
  CHECK(h->rfind("$argon2id$", 0) == 0);
  CHECK(password_verify(*h, "correct horse"));
  CHECK_FALSE(password_verify(*h, "correct horsE"));
  CHECK_FALSE(password_verify("not a hash", "x"));
  CHECK(*password_hash("correct horse", cheap) != *h);  // salted
}

TEST_CASE("sealing round trips and detects tampering", "[crypto]") {
  Init i;
  auto key = SecretBuffer::from(random_bytes(32));
  const auto sealed = seal(key, "sk_live_vendor_secret", "vnd_1");
  CHECK(sealed.find("sk_live") == std::string::npos);
  CHECK(open(key, sealed, "vnd_1").value() == "sk_live_vendor_secret");
  CHECK_FALSE(open(key, sealed, "vnd_2").ok());  // bound to its row
  auto flipped = sealed;
  flipped[flipped.size() / 2] ^= 1;
  CHECK_FALSE(open(key, flipped, "vnd_1").ok());
  CHECK_FALSE(open(key, sealed.substr(0, 10), "vnd_1").ok());
  auto other = SecretBuffer::from(random_bytes(32));
  CHECK_FALSE(open(other, sealed, "vnd_1").ok());
  CHECK(seal(key, "x", "") != seal(key, "x", ""));  // random nonce
}

TEST_CASE("Ed25519 signs and verifies, tampering fails", "[crypto]") {
  Init i;
  auto k = signing_key_generate();
  const auto sig = sign(k, "checkpoint");
  CHECK(verify(k.public_key, "checkpoint", sig));
  CHECK_FALSE(verify(k.public_key, "checkpoinT", sig));
  auto bad = sig;
  bad[0] ^= 1;
  CHECK_FALSE(verify(k.public_key, "checkpoint", bad));
  CHECK_FALSE(verify(k.public_key.substr(1), "checkpoint", sig));
  // The same seed gives the same key.
  const auto seed = random_bytes(32);
  auto a = signing_key_from_seed(seed), b = signing_key_from_seed(seed);
  CHECK(a->public_key == b->public_key);
  CHECK(verify(a->public_key, "m", sign(*b, "m")));
}

TEST_CASE("derived keys differ per id and are stable", "[crypto]") {
  Init i;
  auto master = SecretBuffer::from(random_bytes(32));
  auto a = derive_key(master, 1, "secuhash");
  auto b = derive_key(master, 2, "secuhash");
  auto a2 = derive_key(master, 1, "secuhash");
  CHECK(a.view() != b.view());
  CHECK(a.view() == a2.view());
}
