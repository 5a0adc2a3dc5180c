// Roles of console users, lowest first: viewer < member < approver < admin < owner <
// platform_admin. The numbers compare: a role "at least admin" is role >= Role::kAdmin.
// (secud's server/principal.hpp mirrors this order in its Access enum; the names are the
// contract between the two, so they are the only thing converted.)
#pragma once

#include <optional>
#include <string_view>

namespace secu::identity {

enum class Role { kViewer = 1, kMember, kApprover, kAdmin, kOwner, kPlatformAdmin };

// "viewer" → kViewer …; nullopt for anything else (case-sensitive, as stored).
std::optional<Role> parse_role(std::string_view name);
const char* role_name(Role r);

// Writes (users, orgs' settings, agents…) need admin or more.
inline bool can_write(Role r) {
  return r >= Role::kAdmin;
}
// A creator may hand out its own role or a lower one, never a higher one.
inline bool may_grant(Role creator, Role granted) {
  return granted <= creator;
}

}  // namespace secu::identity
