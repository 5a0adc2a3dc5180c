// Credential resolution: which principal a request's headers name.
#pragma once

#include "secu/result.hpp"
#include "server/principal.hpp"

namespace secu::daemon {

class App;
class Ctx;

// Resolves the request's credentials. Type kNone when it sent none; an error (401) when it sent
// credentials that are malformed, unknown, expired or revoked. Every secret comparison is
// constant-time; a wrong admin token and a wrong JWT take the same path through hashing.
Result<Principal> resolve_principal(App& app, const Ctx& ctx);

// Checks the route's least access against the principal: 401 without credentials, 403 when the
// principal's kind or role is not enough.
Status authorize(const Principal& p, Access need);

}  // namespace secu::daemon
