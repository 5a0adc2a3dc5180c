#include "server/auth.hpp"

#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/identity/sessions.hpp"
#include "secu/store/keys.hpp"
#include "server/app.hpp"
#include "server/http.hpp"

namespace secu::daemon {

Result<Principal> resolve_principal(App& app, const Ctx& ctx) {
  Principal p;
  const std::string admin = ctx.header("X-Secu-Admin-Token");
  if (!admin.empty()) {
    // Hash first, then compare hashes in constant time: the stored value is only a hash.
    if (!crypto::constant_time_equal(app.token_hash(admin), app.admin_token_hash())) {
      return Error::unauthenticated("invalid admin token");
    }
    p.type = Principal::Type::kAdmin;
    p.role = Access::kPlatformAdmin;
    return p;
  }
  const std::string authz = ctx.header("Authorization");
  if (authz.empty()) return p;
  constexpr std::string_view kBearer = "Bearer ";
  if (authz.size() <= kBearer.size() || authz.compare(0, kBearer.size(), kBearer) != 0) {
    return Error::unauthenticated("Authorization must be \"Bearer <token>\"");
  }
  const std::string token = authz.substr(kBearer.size());
  if (token.starts_with("sk_secu_")) {
    // Agent key: found by its keyed hash (an indexed equality on a MAC of the secret, so the
    // lookup leaks nothing about how close a guess was); a revoked key is as good as none.
    const auto hash = crypto::token_hash(app.secrets().hash_key, token);
    std::optional<store::KeyRow> key;
    SECU_TRY_VOID(app.store().read([&](store::Db& db) -> Status {
      SECU_TRY(key, store::find_key_by_hash(db, hash));
      return {};
    }));
    // Past a rotation's grace period a key is as dead as a revoked one.
    if (!key || !key->usable(now_ms())) return Error::unauthenticated("invalid or revoked key");
    p.type = Principal::Type::kAgent;
    p.role = Access::kAgent;
    p.agent_id = key->agent_id;
    p.key_id = key->id;
    p.org_id = key->org_id;
    p.vendor_id = key->vendor_id;
    return p;
  }
  // Any other bearer is a console JWT: signature, expiry, and a live session of an existing
  // user; the role is the user's current one (secu/identity/sessions.hpp).
  SECU_TRY(auto who, identity::authenticate_jwt(app.store(), *app.jwt_keys(), token, now_ms()));
  p.type = Principal::Type::kUser;
  if (!role_from_name(identity::role_name(who.role), p.role)) {
    return Error::unauthenticated("the user has no valid role");
  }
  p.user_id = std::move(who.user_id);
  p.org_id = std::move(who.org_id);
  p.session_id = std::move(who.session_id);
  return p;
}

Status authorize(const Principal& p, Access need) {
  if (need == Access::kPublic) return {};
  if (p.type == Principal::Type::kNone) return Error::unauthenticated();
  if (need == Access::kAgent) {
    if (p.type != Principal::Type::kAgent)
      return Error::forbidden("this endpoint takes an agent key (Authorization: Bearer sk_secu_…)");
    return {};
  }
  if (p.type == Principal::Type::kAgent) {
    return Error::forbidden("agent keys may call the data plane only");
  }
  if (p.role < need) {
    return Error::forbidden(std::string("this needs the ") + access_name(need) + " role");
  }
  return {};
}

}  // namespace secu::daemon
