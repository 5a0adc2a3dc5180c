// The bridge from a request to libsecu's identity operations: the Env (store, keys, settings of
// the current config snapshot, the mailer, the process's throttles) and the Caller (who is
// asking, for scoping and audit).
#pragma once

#include "secu/identity/env.hpp"
#include "server/http.hpp"

namespace secu::daemon {

identity::Env identity_env(Ctx& ctx);
identity::Caller identity_caller(const Ctx& ctx);

// unwrap() for identity results: a 429 also gets its Retry-After header.
template <typename T>
T unwrap_identity(Ctx& ctx, Result<T> r);
void unwrap_identity(Ctx& ctx, Status r);

// Marks a response that carries a token as not cacheable by browsers and proxies.
void no_store(Ctx& ctx);

// --- template definition ----------------------------------------------------------------------
void set_retry_after(Ctx& ctx, const Error& e);
template <typename T>
T unwrap_identity(Ctx& ctx, Result<T> r) {
  if (!r.ok()) {
    set_retry_after(ctx, r.error());
    Ctx::fail(r.take_error());
  }
  return std::move(r).value();
}

}  // namespace secu::daemon
