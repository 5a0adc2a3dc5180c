#include "server/routes.hpp"

#include <algorithm>

namespace secu::daemon {

namespace {
// Splits "/v1/agents/{id}" into {"v1", "agents", "{id}"}. Segment matching beats std::regex
// here: routing runs on every request, and a table of literal segments needs no backtracking.
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const auto slash = path.find('/', i);
    out.push_back(path.substr(i, slash == std::string::npos ? std::string::npos : slash - i));
    if (slash == std::string::npos) break;
    i = slash;
  }
  return out;
}

bool is_param(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{';
}
bool is_rest(const std::string& seg) {
  return is_param(seg) && seg.ends_with("...}");
}

// Matches `path` against a route's segments; fills params on success.
bool match_segments(const std::vector<std::string>& pattern, const std::string& path,
                    std::vector<std::string>& params) {
  params.clear();
  size_t pos = 0;
  for (size_t k = 0; k < pattern.size(); ++k) {
    if (pos >= path.size() || path[pos] != '/') return false;
    ++pos;  // the '/'
    const auto& seg = pattern[k];
    if (is_rest(seg)) {
      params.push_back(path.substr(pos));
      return true;
    }
    const auto slash = path.find('/', pos);
    const auto end = slash == std::string::npos ? path.size() : slash;
    const std::string_view got(path.data() + pos, end - pos);
    if (is_param(seg)) {
      if (got.empty()) return false;
      params.emplace_back(got);
    } else if (got != seg) {
      return false;
    }
    pos = end;
  }
  return pos == path.size();
}
}  // namespace

Route& RouteTable::add(std::string method, std::string path, Access access, std::string summary,
                       Handler handler) {
  auto segments = split_path(path);
  m_routes.push_back({std::move(method), std::move(path), access, std::move(summary),
                      std::move(handler), std::move(segments)});
  return m_routes.back();
}

RouteTable::Match RouteTable::match(const std::string& method, const std::string& path) const {
  Match m;
  std::vector<std::string> params;
  for (const auto& r : m_routes) {
    if (!match_segments(r.segments, path, params)) continue;
    if (r.method == method) {
      m.route = &r;
      m.params = std::move(params);
      m.allowed_methods.clear();
      return m;
    }
    if (std::find(m.allowed_methods.begin(), m.allowed_methods.end(), r.method) ==
        m.allowed_methods.end())
      m.allowed_methods.push_back(r.method);
  }
  return m;
}

RouteTable build_route_table() {
  RouteTable t;
  register_health_routes(t);
  register_auth_routes(t);
  register_oidc_routes(t);
  register_orgs_users_routes(t);
  register_state_routes(t);
  register_agent_routes(t);
  register_policy_routes(t);
  register_vendor_routes(t);
  register_key_routes(t);
  register_gateway_routes(t);
  register_approval_routes(t);
  register_billing_routes(t);
  register_stripe_routes(t);
  register_audit_routes(t);
  register_ledger_routes(t);
  register_tx_routes(t);
  register_marketplace_routes(t);
  register_rotation_routes(t);
  register_admin_backup_routes(t);
  return t;
}

}  // namespace secu::daemon
