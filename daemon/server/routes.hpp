// The route table: method, path, least access, handler. It drives routing, `secud routes`, the
// authorization checks and the test that holds it against the OpenAPI document.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "server/principal.hpp"

namespace secu::daemon {

class Ctx;

using Handler = std::function<void(Ctx&)>;

struct Route {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path;    // OpenAPI form: /v1/kill-switch/{agent_id}; {name...} matches a rest
  Access access;       // least access; kAgent routes take agent keys only
  std::string summary;
  Handler handler;
  std::vector<std::string> segments;  // path split on '/': "{x}" one segment, "{x...}" the rest
  // Accepts ?dry_run=true: the handler runs, its write job is rolled back, the reply says so.
  // Only for handlers whose every effect is inside their write job (no mail, no outbound call).
  bool dry_run = false;
};

class RouteTable {
 public:
  // Returns the new route so a caller can set its flags (`.dry_run = true`) right away.
  Route& add(std::string method, std::string path, Access access, std::string summary,
             Handler handler);
  const std::vector<Route>& routes() const { return m_routes; }

  struct Match {
    const Route* route = nullptr;
    std::vector<std::string> params;
    std::vector<std::string> allowed_methods;  // when the path matched but the method did not
  };
  Match match(const std::string& method, const std::string& path) const;

 private:
  std::vector<Route> m_routes;
};

// Every API area registers its routes here (daemon/api/*.cpp).
void register_health_routes(RouteTable& t);
void register_auth_routes(RouteTable& t);
void register_oidc_routes(RouteTable& t);
void register_orgs_users_routes(RouteTable& t);
void register_state_routes(RouteTable& t);
void register_agent_routes(RouteTable& t);
void register_policy_routes(RouteTable& t);
void register_vendor_routes(RouteTable& t);
void register_key_routes(RouteTable& t);
void register_gateway_routes(RouteTable& t);
void register_approval_routes(RouteTable& t);
void register_billing_routes(RouteTable& t);
void register_stripe_routes(RouteTable& t);
void register_audit_routes(RouteTable& t);
void register_ledger_routes(RouteTable& t);
void register_tx_routes(RouteTable& t);
void register_marketplace_routes(RouteTable& t);
void register_rotation_routes(RouteTable& t);
void register_admin_backup_routes(RouteTable& t);

// The full table of the daemon.
RouteTable build_route_table();

}  // namespace secu::daemon
