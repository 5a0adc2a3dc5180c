#include "server/auth.hpp"

#include "secu/crypto.hpp"
#include "server/app.hpp"
#include "server/http.hpp"

namespace secu::daemon {

Result<Principal> resolve_principal(App& app, const Ctx& ctx) {
  Principal p;
  const std::string admin = ctx.header("X-Secu-Admin-Token");
  if (!admin.empty()) {
    // Hash first, then compare hashes in constant time: the stored value is only a hash.
    if (!crypto::constant_time_equal(app.token_hash(admin), app.secrets().admin_token_hash)) {
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
  // Console JWTs and agent keys are resolved by the identity and gateway areas as they land;
  // until then a bearer credential is not one this daemon issued.
  return Error::unauthenticated("invalid or expired token");
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
