#include "secu/rotation.hpp"

#include <nlohmann/json.hpp>

#include "secu/clock.hpp"
#include "secu/store/jwt_keys.hpp"
#include "secu/store/meta.hpp"

namespace secu::rotation {

namespace {

constexpr size_t kSeedBytes = 32;

// An owned copy of a signing key (SigningKey is move-only: its secret is a SecretBuffer).
Result<std::shared_ptr<const crypto::SigningKey>> copy_key(const crypto::SigningKey& k) {
  SECU_TRY(auto c, crypto::signing_key_from_seed(k.secret.view().substr(0, kSeedBytes)));
  return std::make_shared<const crypto::SigningKey>(std::move(c));
}

// The seed is sealed bound to its kid: a sealed seed copied to another row fails to open.
Result<std::shared_ptr<const crypto::SigningKey>> open_key(const store::JwtKeyRow& row,
                                                           const crypto::SecretBuffer& seal_key) {
  auto seed = crypto::open(seal_key, row.seed_sealed.value_or(""), "jwt-key:" + row.kid);
  if (!seed.ok() || seed->size() != kSeedBytes) {
    return Error::internal("a JWT signing key does not open under this master key");
  }
  SECU_TRY(auto k, crypto::signing_key_from_seed(*seed));
  return std::make_shared<const crypto::SigningKey>(std::move(k));
}

Result<std::shared_ptr<const jwt::KeySet>> build(const std::vector<store::JwtKeyRow>& rows,
                                                 const crypto::SigningKey& legacy,
                                                 const crypto::SecretBuffer& seal_key) {
  auto set = std::make_shared<jwt::KeySet>();
  // signing.key, until a row says it was retired.
  set->verifiers[""] = {crypto::base64url_encode(legacy.public_key), 0, 0};
  for (const auto& r : rows) {
    jwt::KeySet::Verifier v;
    v.public_key = r.kid.empty() ? crypto::base64url_encode(legacy.public_key) : r.public_key;
    if (r.retired_at) {
      v.retired_s = *r.retired_at / 1000;
      v.verify_until_s = r.verify_until.value_or(*r.retired_at) / 1000;
    } else if (!r.kid.empty()) {
      SECU_TRY(set->signer, open_key(r, seal_key));
      set->kid = r.kid;
    }
    set->verifiers[r.kid] = std::move(v);
  }
  if (!set->signer) {
    SECU_TRY(set->signer, copy_key(legacy));
    set->kid.clear();
  }
  // Stored base64url for readability; the verifier takes the raw 32 bytes.
  for (auto& [kid, v] : set->verifiers) {
    auto raw = crypto::base64url_decode(v.public_key);
    if (!raw.ok()) return Error::internal("a JWT public key is malformed");
    v.public_key = std::move(raw).value();
  }
  return std::shared_ptr<const jwt::KeySet>(std::move(set));
}

}  // namespace

AdminToken make_admin_token(const crypto::SecretBuffer& hash_key) {
  AdminToken t;
  t.token = std::string(kAdminTokenPrefix) + crypto::random_token(32);
  t.hash = crypto::token_hash(hash_key, t.token);
  return t;
}

Result<AdminToken> rotate_admin_token(store::WriteTx& tx, const crypto::SecretBuffer& hash_key,
                                      const audit::Entry& base) {
  AdminToken t = make_admin_token(hash_key);
  SECU_TRY_VOID(store::put_meta(tx.db, kAdminTokenMetaKey, t.hash));
  audit::Entry e = base;
  e.org_id.clear();
  e.action = "admin.rotate_token";
  e.target = "admin_token";
  // Nothing of the new token, not even its hash (a hash of a secret is for lookups, not logs).
  e.details = nlohmann::json::object();
  SECU_TRY_VOID(audit::append(tx, e));
  return t;
}

Result<std::shared_ptr<const jwt::KeySet>> load_jwt_keys(store::Db& db,
                                                         const crypto::SigningKey& legacy,
                                                         const crypto::SecretBuffer& seal_key) {
  SECU_TRY(auto rows, store::list_jwt_keys(db));
  return build(rows, legacy, seal_key);
}

Result<JwtRotation> rotate_jwt_key(store::WriteTx& tx, const crypto::SigningKey& legacy,
                                   const crypto::SecretBuffer& seal_key, int64_t session_ttl_s,
                                   const audit::Entry& base) {
  SECU_TRY(auto rows, store::list_jwt_keys(tx.db));
  JwtRotation out;
  for (const auto& r : rows)
    if (!r.retired_at) out.retired_kid = r.kid;  // none: signing.key (kid "") signs now
  const int64_t now = now_ms();
  // The longest a token of the retired key can live: it was issued at most now.
  out.retired_valid_until_ms = now + session_ttl_s * 1000;
  if (out.retired_kid.empty()) {
    bool legacy_row = false;
    for (const auto& r : rows)
      legacy_row = legacy_row || r.kid.empty();
    if (!legacy_row) {
      // The first rotation: signing.key gets its row now, born retired.
      store::JwtKeyRow l;
      l.public_key = crypto::base64url_encode(legacy.public_key);
      l.created_at = now;
      l.retired_at = now;
      l.verify_until = out.retired_valid_until_ms;
      SECU_TRY_VOID(store::insert_jwt_key(tx.db, l));
    }
  } else {
    SECU_TRY_VOID(store::retire_jwt_key(tx.db, out.retired_kid, now, out.retired_valid_until_ms));
  }

  const auto fresh = crypto::signing_key_generate();
  store::JwtKeyRow n;
  n.kid = crypto::random_id("jwk");
  n.seed_sealed =
      crypto::seal(seal_key, fresh.secret.view().substr(0, kSeedBytes), "jwt-key:" + n.kid);
  n.public_key = crypto::base64url_encode(fresh.public_key);
  n.created_at = now;
  SECU_TRY_VOID(store::insert_jwt_key(tx.db, n));
  out.kid = n.kid;

  audit::Entry e = base;
  e.org_id.clear();
  e.action = "admin.rotate_jwt_key";
  e.target = n.kid;
  e.details = {{"retired_kid", out.retired_kid.empty() ? "signing.key" : out.retired_kid},
               {"public_key", n.public_key},
               {"retired_valid_until", format_rfc3339(out.retired_valid_until_ms)}};
  SECU_TRY_VOID(audit::append(tx, e));

  SECU_TRY(rows, store::list_jwt_keys(tx.db));
  SECU_TRY(out.keys, build(rows, legacy, seal_key));
  return out;
}

}  // namespace secu::rotation
