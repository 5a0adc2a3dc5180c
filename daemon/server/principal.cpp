#include "server/principal.hpp"

namespace secu::daemon {

namespace {
struct RoleName {
  Access access;
  const char* name;
};
constexpr RoleName kNames[] = {
    {Access::kPublic, "public"},     {Access::kAgent, "agent"},
    {Access::kViewer, "viewer"},     {Access::kMember, "member"},
    {Access::kApprover, "approver"}, {Access::kAdmin, "admin"},
    {Access::kOwner, "owner"},       {Access::kPlatformAdmin, "platform_admin"},
};
}  // namespace

const char* access_name(Access a) {
  for (const auto& n : kNames)
    if (n.access == a) return n.name;
  return "?";
}

bool role_from_name(std::string_view name, Access& out) {
  for (const auto& n : kNames) {
    if (name == n.name && n.access >= Access::kViewer) {
      out = n.access;
      return true;
    }
  }
  return false;
}

const char* Principal::actor_type() const {
  switch (type) {
    case Type::kAdmin:
      return "admin";
    case Type::kUser:
      return "user";
    case Type::kAgent:
      return "agent";
    case Type::kNone:
      return "anonymous";
  }
  return "anonymous";
}

std::string Principal::actor_id() const {
  switch (type) {
    case Type::kAdmin:
      return "admin";
    case Type::kUser:
      return user_id;
    case Type::kAgent:
      return agent_id;
    case Type::kNone:
      return "";
  }
  return "";
}

}  // namespace secu::daemon
