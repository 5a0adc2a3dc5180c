#include "gateway/upstream.hpp"
#include "secu/percent.hpp"

#include <cctype>

#include "gateway/proxy.hpp"
#include "secu/policy.hpp"

namespace secu::gateway {

namespace detail {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode_component(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string Origin::key() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

Result<Origin> parse_base_url(std::string_view url) {
  auto bad = [](std::string why) { return Error::invalid("base_url " + why, "base_url"); };
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7F) return bad("must not hold spaces or control characters");
  Origin o;
  std::string_view rest;
  if (url.rfind("http://", 0) == 0) {
    o.scheme = "http";
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    o.scheme = "https";
    rest = url.substr(8);
  } else {
    return bad("must start with http:// or https://");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad("must not hold a query or fragment");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return bad("must not hold credentials");
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("has a malformed IPv6 address");
    host = authority.substr(0, close + 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("has a malformed port");
      port = after.substr(1);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad("needs a host");
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '[' ||
          c == ']' || c == ':' || c == '_'))
      return bad("has an invalid host");
  }
  o.host = std::string(host);
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return bad("has an invalid port");
    }
    o.port = std::stoi(std::string(port));
    if (o.port < 1 || o.port > 65535) return bad("has an invalid port");
  } else {
    o.port = o.scheme == "https" ? 443 : 80;
  }
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  if (!path.empty()) {
    auto n = policy::normalize_path(path);
    if (!n.ok() || n.value() != path) return bad("has a path that is not in canonical form");
  }
  o.base_path = std::string(path);
  return o;
}

bool is_hop_by_hop(std::string_view name) {
  static constexpr std::string_view kHop[] = {"Connection",      "Keep-Alive",        "TE",
                                              "Trailer",         "Transfer-Encoding", "Upgrade",
                                              "Proxy-Connection"};
  for (auto h : kHop)
    if (iequals(name, h)) return true;
  return name.size() >= 6 && iequals(name.substr(0, 6), "Proxy-");
}

bool named_in_connection(std::string_view value, std::string_view name) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const auto token = trim(value.substr(0, comma));
    if (iequals(token, name)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

bool is_dropped_request_header(std::string_view name) {
  static constexpr std::string_view kDrop[] = {
      "Host",        "Content-Length", "Authorization", "Expect",     "X-Request-Id",
      "REMOTE_ADDR", "REMOTE_PORT",    "LOCAL_ADDR",    "LOCAL_PORT", "Accept-Encoding"};
  for (auto d : kDrop)
    if (iequals(name, d)) return true;
  if (name.size() >= 7 && iequals(name.substr(0, 7), "X-Secu-")) return true;
  return is_hop_by_hop(name);
}

std::string remove_query_param(std::string_view query, std::string_view name) {
  std::string out;
  while (true) {
    const size_t amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto key = pair.substr(0, pair.find('='));
    if (!pair.empty() && decode_component(key) != name) {
      if (!out.empty()) out += '&';
      out += pair;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string encode_component(std::string_view s) {
  return percent_encode(s);
}

}  // namespace detail

Result<AuthType> parse_auth_type(std::string_view text) {
  if (text == "bearer") return AuthType::kBearer;
  if (text == "header") return AuthType::kHeader;
  if (text == "basic") return AuthType::kBasic;
  if (text == "query") return AuthType::kQuery;
  return Error::invalid("auth_type must be bearer, header, basic or query", "auth_type");
}

Result<GatewayTarget> split_gateway_target(std::string_view raw_target, std::string_view mount) {
  const size_t q = raw_target.find('?');
  std::string_view raw_path = raw_target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : raw_target.substr(q + 1);
  auto bad_path = [] {
    return Error::make(ErrorKind::kInvalid, "invalid_path", "invalid path: not under the gateway");
  };
  if (raw_path.substr(0, mount.size()) != mount) return bad_path();
  raw_path.remove_prefix(mount.size());
  if (!raw_path.empty() && raw_path.front() != '/') return bad_path();
  for (unsigned char c : query) {
    if (c <= 0x20 || c == 0x7F || c == '#') {
      return Error::make(ErrorKind::kInvalid, "invalid_query",
                         "the query string holds a space, control character or '#'");
    }
  }
  SECU_TRY(auto path, policy::normalize_path(raw_path.empty() ? std::string_view("/") : raw_path));
  return GatewayTarget{std::move(path), std::string(query)};
}

}  // namespace secu::gateway
