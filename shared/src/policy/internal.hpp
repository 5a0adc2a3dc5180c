// Helpers shared by the policy engine's translation units; not part of libsecu's contract.
#pragma once

#include <string>
#include <string_view>

namespace secu::policy::detail {

// A normalised path with every segment reduced to what lenient upstreams would route on:
// ";params" and trailing dots dropped. Case is left alone (callers fold it).
std::string loose_path(std::string_view normalized);

// "GET /x": an upper-case method token, one space, a path. What an agent may declare as its
// action only if it is the request's own.
bool looks_like_http_action(std::string_view action);

}  // namespace secu::policy::detail
