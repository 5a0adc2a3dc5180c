#include "server/routes.hpp"

#include <algorithm>

namespace secu::daemon {

namespace {
// "/v1/agents/{id}" → "^/v1/agents/([^/]+)$"; "{path...}" → "(.*)".
std::string path_to_regex(const std::string& path) {
  std::string out = "^";
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '{') {
      const auto close = path.find('}', i);
      const std::string name = path.substr(i + 1, close - i - 1);
      out += name.size() > 3 && name.ends_with("...") ? "(.*)" : "([^/]+)";
      i = close;
    } else if (std::string_view(".^$|()[]*+?\\").find(c) != std::string_view::npos) {
      out.push_back('\\');
      out.push_back(c);
    } else {
      out.push_back(c);
    }
  }
  return out + "$";
}
}  // namespace

void RouteTable::add(std::string method, std::string path, Access access, std::string summary,
                     Handler handler) {
  std::regex re(path_to_regex(path), std::regex::ECMAScript | std::regex::optimize);
  m_routes.push_back(
      {std::move(method), std::move(path), access, std::move(summary), std::move(handler), re});
}

RouteTable::Match RouteTable::match(const std::string& method, const std::string& path) const {
  Match m;
  std::smatch sm;
  for (const auto& r : m_routes) {
    if (!std::regex_match(path, sm, r.re)) continue;
    if (r.method == method) {
      m.route = &r;
      for (size_t i = 1; i < sm.size(); ++i)
        m.params.push_back(sm[i].str());
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
  return t;
}

}  // namespace secu::daemon
