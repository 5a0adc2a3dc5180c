// Rotation of the platform credentials in libsecu (secu/rotation.hpp): the JWT key set as
// stored, reloaded and rotated again, and the admin token's stored hash.
#include <catch2/catch.hpp>

#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/rotation.hpp"
#include "secu/store/meta.hpp"
#include "support/fixture.hpp"

using namespace secu;

namespace {

struct World {
  World() {
    REQUIRE(crypto::init().ok());
    legacy = crypto::signing_key_generate();
    seal_key = crypto::SecretBuffer::from(crypto::random_bytes(32));
    hash_key = crypto::SecretBuffer::from(crypto::random_bytes(32));
    auto s = store::Store::open({.path = tmp.path() + "/r.db"});
    REQUIRE(s.ok());
    st = std::move(s).value();
  }
  std::shared_ptr<const jwt::KeySet> load(const crypto::SecretBuffer& key) {
    std::shared_ptr<const jwt::KeySet> out;
    Status err;
    REQUIRE(st->read([&](store::Db& db) -> Status {
                auto r = rotation::load_jwt_keys(db, legacy, key);
                if (!r.ok()) {
                  err = r.take_error();
                  return {};
                }
                out = *r;
                return {};
              }).ok());
    return out;
  }
  rotation::JwtRotation rotate() {
    rotation::JwtRotation out;
    audit::Entry base;
    base.actor = {"admin", "admin"};
    REQUIRE(st->write([&](store::WriteTx& tx) -> Status {
                SECU_TRY(out, rotation::rotate_jwt_key(tx, legacy, seal_key, 3600, base));
                return {};
              }).ok());
    return out;
  }

  test::TempDir tmp;
  crypto::SigningKey legacy;
  crypto::SecretBuffer seal_key, hash_key;
  std::unique_ptr<store::Store> st;
};

jwt::Claims claims(int64_t iat) {
  jwt::Claims c;
  c.sub = "usr_1";
  c.org_id = "org_1";
  c.role = "admin";
  c.sid = "ses_1";
  c.iat = iat;
  c.exp = iat + 3600;
  return c;
}

}  // namespace

TEST_CASE("JWT keys: signing.key until the first rotation, then stored keys by kid", "[rotation]") {
  World w;
  auto before = w.load(w.seal_key);
  REQUIRE(before);
  CHECK(before->kid.empty());
  CHECK(before->signer->public_key == w.legacy.public_key);
  CHECK(before->verifiers.size() == 1);
  const int64_t now_s = now_ms() / 1000;
  const auto old_token = jwt::sign(*before->signer, claims(now_s - 5));

  auto r1 = w.rotate();
  CHECK(r1.kid.rfind("jwk_", 0) == 0);
  CHECK(r1.retired_kid.empty());
  CHECK(r1.keys->kid == r1.kid);
  CHECK(r1.keys->verifiers.at("").retired_s > 0);
  CHECK(r1.keys->verifiers.at("").verify_until_s >= now_s + 3599);
  // A restart loads the same set: the sealed seed opens to the same key.
  auto loaded = w.load(w.seal_key);
  REQUIRE(loaded);
  CHECK(loaded->kid == r1.kid);
  CHECK(loaded->signer->public_key == r1.keys->signer->public_key);
  CHECK(jwt::verify(*loaded, old_token, now_s).ok());
  const auto new_token = jwt::sign(*loaded->signer, claims(now_s), loaded->kid);
  CHECK(jwt::verify(*r1.keys, new_token, now_s).ok());

  auto r2 = w.rotate();
  CHECK(r2.retired_kid == r1.kid);
  CHECK(r2.keys->verifiers.size() == 3);
  CHECK(jwt::verify(*r2.keys, old_token, now_s).ok());
  CHECK(jwt::verify(*r2.keys, new_token, now_s).ok());

  // Under another master key the stored seeds do not open: loading fails, it does not guess.
  auto other = crypto::SecretBuffer::from(crypto::random_bytes(32));
  CHECK(w.load(other) == nullptr);
}

TEST_CASE("admin token rotation stores only the new token's hash", "[rotation]") {
  World w;
  rotation::AdminToken t;
  audit::Entry base;
  base.actor = {"admin", "admin"};
  REQUIRE(w.st->write([&](store::WriteTx& tx) -> Status {
                SECU_TRY(t, rotation::rotate_admin_token(tx, w.hash_key, base));
                return {};
              })
              .ok());
  CHECK(t.token.rfind("secu_admin_", 0) == 0);
  CHECK(t.hash == crypto::token_hash(w.hash_key, t.token));
  std::optional<std::string> stored;
  REQUIRE(w.st->read([&](store::Db& db) -> Status {
                SECU_TRY(stored, store::get_meta(db, rotation::kAdminTokenMetaKey));
                return {};
              })
              .ok());
  REQUIRE(stored);
  CHECK(*stored == t.hash);
  CHECK(stored->find(t.token) == std::string::npos);
}
