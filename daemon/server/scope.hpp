// Tenant scoping: which org a request acts on. "Scoped by principal" (DESIGN.md): the platform
// admin sees every org and may name one with org_id; any other principal sees only its own
// org, and naming another org's id answers 404 — never another tenant's data, never a hint
// that the id exists.
#pragma once

#include <optional>
#include <string>

#include "server/http.hpp"

namespace secu::daemon {

// The org a create acts on: body org_id for the platform admin (required, must exist), the
// principal's own org otherwise (a different org_id → 404). Throws HttpError.
std::string org_for_write(Ctx& ctx, const std::optional<std::string>& body_org_id);

// The org filter of a list: the query's org_id for the platform admin (may be empty = all
// orgs), the principal's own org otherwise (another org_id → 404). Throws HttpError.
std::string org_for_read(Ctx& ctx);

// The org a change to an existing row may touch: "" (any) for the platform admin, the
// principal's own org otherwise. Libsecu operations answer not_found outside it.
std::string write_scope(const Ctx& ctx);

// Throws 404 "<what> not found" unless the principal may see rows of `row_org_id`.
void require_visible(const Ctx& ctx, const std::string& row_org_id, const std::string& what);

}  // namespace secu::daemon
