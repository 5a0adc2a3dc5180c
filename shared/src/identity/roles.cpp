#include "secu/identity/roles.hpp"

namespace secu::identity {

namespace {
struct Name {
  Role role;
  const char* name;
};
constexpr Name kNames[] = {
    {Role::kViewer, "viewer"}, {Role::kMember, "member"}, {Role::kApprover, "approver"},
    {Role::kAdmin, "admin"},   {Role::kOwner, "owner"},   {Role::kPlatformAdmin, "platform_admin"},
};
}  // namespace

std::optional<Role> parse_role(std::string_view name) {
  for (const auto& n : kNames)
    if (name == n.name) return n.role;
  return std::nullopt;
}

const char* role_name(Role r) {
  for (const auto& n : kNames)
    if (n.role == r) return n.name;
  return "viewer";
}

}  // namespace secu::identity
