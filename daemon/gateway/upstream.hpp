// Internals of the gateway proxy, exposed for its tests: vendor URL parsing and header and
// query rules. No httplib here (rule: httplib only in the .cpp files that need it).
#pragma once

#include <string>
#include <string_view>

#include "secu/result.hpp"

namespace secu::gateway::detail {

struct Origin {
  std::string scheme;     // "http" | "https"
  std::string host;       // a name, an IPv4 address, or "[v6]"
  int port = 0;           // explicit or the scheme's default
  std::string base_path;  // "" or "/v1" (no trailing slash)

  // "scheme://host:port": the pool key and what httplib::Client is built from.
  std::string key() const;
};

// http(s)://host[:port][/path]; no userinfo, query, fragment, whitespace or control characters.
// 502-class errors are the caller's business: this returns 400 invalid_request.
Result<Origin> parse_base_url(std::string_view url);

// Hop-by-hop headers of RFC 9110 §7.6.1 plus Proxy-* (case-insensitive).
bool is_hop_by_hop(std::string_view name);
// Whether `name` is listed in a Connection header value ("close, X-Foo").
bool named_in_connection(std::string_view connection_value, std::string_view name);
// Request headers never forwarded upstream, whatever the agent sent.
bool is_dropped_request_header(std::string_view name);

// The query without every parameter whose (percent-decoded) name is `name`.
std::string remove_query_param(std::string_view query, std::string_view name);
// RFC 3986 percent-encoding of everything but unreserved characters.
std::string encode_component(std::string_view s);

bool iequals(std::string_view a, std::string_view b);

}  // namespace secu::gateway::detail
