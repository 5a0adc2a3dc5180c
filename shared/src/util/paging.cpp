#include "secu/paging.hpp"

#include "secu/crypto.hpp"

namespace secu {

Result<PageRequest> parse_page(const std::optional<std::string>& limit,
                               const std::optional<std::string>& cursor) {
  PageRequest p;
  if (limit) {
    const auto& s = *limit;
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos) {
      return Error::invalid("limit must be an integer from 1 to 1000", "limit");
    }
    p.limit = std::stoll(s);
    if (p.limit < 1 || p.limit > 1000) {
      return Error::invalid("limit must be an integer from 1 to 1000", "limit");
    }
  }
  if (cursor && !cursor->empty()) {
    auto raw = crypto::base64url_decode(*cursor);
    const auto bad = Error::invalid("cursor is not one this server issued", "cursor");
    if (!raw.ok()) return bad;
    const auto colon = raw->find(':');
    if (colon == std::string::npos || colon == 0 || colon > 19) return bad;
    const std::string ts = raw->substr(0, colon);
    if (ts.find_first_not_of("0123456789") != std::string::npos) return bad;
    p.before_created_at = std::stoll(ts);
    p.before_id = raw->substr(colon + 1);
  }
  return p;
}

std::string make_cursor(int64_t created_at, const std::string& id) {
  return crypto::base64url_encode(std::to_string(created_at) + ":" + id);
}

}  // namespace secu
