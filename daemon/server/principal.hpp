// Who is calling: resolved once per request from its credentials.
#pragma once

#include <string>

namespace secu::daemon {

// Least privilege a route needs, lowest first. Roles of users compare by this order too.
enum class Access {
  kPublic = 0,  // no credentials
  kAgent,       // an agent key (data plane)
  kViewer,      // any console user or the admin
  kMember,
  kApprover,
  kAdmin,
  kOwner,
  kPlatformAdmin,
};

const char* access_name(Access a);
// "viewer" → kViewer ...; false for unknown names.
bool role_from_name(std::string_view name, Access& out);

struct Principal {
  enum class Type { kNone, kAdmin, kUser, kAgent };
  Type type = Type::kNone;
  Access role = Access::kPublic;  // kPlatformAdmin for the admin token
  std::string user_id;
  std::string org_id;  // empty for the platform admin token
  std::string session_id;
  std::string agent_id;
  std::string key_id;
  std::string vendor_id;  // an agent key's vendor; empty for a payer key (a hire's linked key)

  bool is_platform_admin() const { return role == Access::kPlatformAdmin; }
  // Audit actor {type, id}.
  const char* actor_type() const;
  std::string actor_id() const;
};

}  // namespace secu::daemon
