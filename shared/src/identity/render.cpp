#include "secu/identity/render.hpp"

#include "secu/clock.hpp"
#include "secu/money.hpp"

namespace secu::identity {

nlohmann::json org_json(const store::OrgRow& o) {
  nlohmann::json j = {{"id", o.id}, {"name", o.name}, {"created_at", format_rfc3339(o.created_at)}};
  if (o.default_daily_budget_micros) {
    j["default_daily_budget_usd"] = money::micros_to_usd(*o.default_daily_budget_micros);
  }
  if (o.stripe_email) j["stripe_email"] = *o.stripe_email;
  return j;
}

nlohmann::json user_json(const store::UserRow& u) {
  nlohmann::json j = {{"id", u.id},
                      {"org_id", u.org_id},
                      {"email", u.email},
                      {"role", u.role},
                      {"email_verified", u.email_verified},
                      {"created_at", format_rfc3339(u.created_at)}};
  if (u.email_verified_at) j["email_verified_at"] = format_rfc3339(*u.email_verified_at);
  if (u.last_login_at) j["last_login_at"] = format_rfc3339(*u.last_login_at);
  return j;
}

nlohmann::json session_json(const Session& s) {
  return {{"token", s.token},
          {"expires_at", format_rfc3339(s.expires_at)},
          {"user", user_json(s.user)},
          {"org", org_json(s.org)}};
}

}  // namespace secu::identity
