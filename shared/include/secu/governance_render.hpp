// JSON renderings of the governance resources, shared by the API answers and the state
// snapshot (the response shapes of DESIGN.md: objects
// whole, absent fields left out, money in USD at the edge, times in RFC 3339).
#pragma once

#include <nlohmann/json.hpp>

#include "secu/store/list_query.hpp"

#include "secu/store/agents.hpp"
#include "secu/store/keys.hpp"
#include "secu/store/policies.hpp"
#include "secu/store/vendors.hpp"

namespace secu::governance {

nlohmann::json agent_json(const store::AgentRow& a);
nlohmann::json policy_json(const store::PolicyRow& p);
nlohmann::json vendor_json(const store::VendorRow& v);  // api_key masked "…abcd"
nlohmann::json key_json(const store::KeyRow& k);        // never the secret

// {"<key>": [render(row)…], "next_cursor"?}: trims the extra row fetched past the page.
template <typename Row, typename Render>
nlohmann::json list_json(const char* key, std::vector<Row>& rows, int64_t limit, Render render) {
  const auto next = store::trim_page(rows, limit);
  nlohmann::json out = {{key, nlohmann::json::array()}};
  for (const auto& r : rows)
    out[key].push_back(render(r));
  if (!next.empty()) out["next_cursor"] = next;
  return out;
}

}  // namespace secu::governance
