// Governance resources: agents, policies, vendors, keys and the kill-switch.
//
// Each operation runs inside one write job (store::WriteTx) and appends its audit entry there,
// so the change and its record commit together or not at all. `scope_org` is the org the
// caller may act in ("" = any: the platform admin); a row of another org answers not_found,
// exactly like an id that does not exist. `base` carries the actor and request id of the
// audit entry; the operation fills org, action, target and details.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secu/audit.hpp"
#include "secu/crypto.hpp"
#include "secu/policy.hpp"
#include "secu/store.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/keys.hpp"
#include "secu/store/policies.hpp"
#include "secu/store/vendors.hpp"

namespace secu::governance {

// ---- agents ----------------------------------------------------------------------------------

struct AgentChange {
  std::optional<std::string> name;
  std::optional<int64_t> daily_budget_micros;
  std::optional<std::vector<std::string>> policy_ids;  // replaces the attachments
  std::vector<std::string> attach_policy_ids;
  std::vector<std::string> detach_policy_ids;
  // Marketplace listing (PATCH only): listing needs a price and a pricing model, given now or
  // kept from before.
  std::optional<bool> listed;
  std::optional<int64_t> price_micros;
  std::optional<std::string> pricing_model;  // per_call | per_day | fixed
};

// Creates an agent in `org_id`; the budget defaults to the org's default agent budget.
Result<store::AgentRow> create_agent(store::WriteTx& tx, const std::string& org_id,
                                     const AgentChange& in, const audit::Entry& base);
Result<store::AgentRow> update_agent(store::WriteTx& tx, const std::string& scope_org,
                                     const std::string& agent_id, const AgentChange& in,
                                     const audit::Entry& base);

struct KillResult {
  store::AgentRow agent;
  bool already_disabled = false;
};
// The kill-switch: disables the agent at once. Idempotent: a second call changes nothing and
// says so (already_disabled). Keys are not revoked: re-enabling restores the agent as it was.
Result<KillResult> kill_agent(store::WriteTx& tx, const std::string& scope_org,
                              const std::string& agent_id, const audit::Entry& base);
// Undoes a kill-switch.
Result<store::AgentRow> enable_agent(store::WriteTx& tx, const std::string& scope_org,
                                     const std::string& agent_id, const audit::Entry& base);

// ---- policies --------------------------------------------------------------------------------

// Validates the policy's fields (globs, prefixes, costs); 400 with the field on failure.
Status validate_policy(const store::PolicyRow& p);
Result<store::PolicyRow> create_policy(store::WriteTx& tx, store::PolicyRow p,
                                       const audit::Entry& base);
// `apply` edits the stored row; the result is validated before it is written.
Result<store::PolicyRow> update_policy(store::WriteTx& tx, const std::string& scope_org,
                                       const std::string& policy_id,
                                       const std::function<void(store::PolicyRow&)>& apply,
                                       const audit::Entry& base);

// ---- vendors ---------------------------------------------------------------------------------

struct VendorInput {
  std::string org_id;
  std::string name;
  std::string base_url;
  std::string auth_type;
  std::optional<std::string> header_name;
  std::string api_key;  // plain; sealed before it is stored
};
// Validates base_url (http/https, host, no credentials or fragment), auth_type and
// header_name. Returns the normalised base URL (no trailing slash).
Result<std::string> validate_vendor(const VendorInput& in);
Result<store::VendorRow> create_vendor(store::WriteTx& tx, const VendorInput& in,
                                       const crypto::SecretBuffer& seal_key,
                                       const audit::Entry& base);
// Soft-deletes a vendor. Refused (409 vendor_in_use) while it has active keys.
Result<store::VendorRow> delete_vendor(store::WriteTx& tx, const std::string& scope_org,
                                       const std::string& vendor_id, const audit::Entry& base);
// "…abcd" for display.
std::string masked_api_key(const store::VendorRow& v);
// 400 (field api_key) unless 1..4096 characters without control characters.
Status validate_vendor_api_key(const std::string& api_key);
// Replaces a vendor's api key (sealed like at create). The gateway reads the vendor row on every
// request, so the next proxied call carries the new key. Audited with both masks, never a key.
Result<store::VendorRow> rotate_vendor_api_key(store::WriteTx& tx, const std::string& scope_org,
                                               const std::string& vendor_id,
                                               const std::string& api_key,
                                               const crypto::SecretBuffer& seal_key,
                                               const audit::Entry& base);

// ---- keys ------------------------------------------------------------------------------------

struct CreatedKey {
  store::KeyRow row;
  std::string secret;  // sk_secu_…; returned once, never stored
};
Result<CreatedKey> create_key(store::WriteTx& tx, const std::string& scope_org,
                              const std::string& agent_id, const std::string& vendor_id,
                              const crypto::SecretBuffer& hash_key, const audit::Entry& base);
// A payer key: bound to no vendor, it authenticates `agent` on POST /v1/tx/transfer only (a
// marketplace hire's linked key). The gateway refuses it.
Result<CreatedKey> create_payer_key(store::WriteTx& tx, const store::AgentRow& agent,
                                    const crypto::SecretBuffer& hash_key, const audit::Entry& base);
Result<store::KeyRow> revoke_key(store::WriteTx& tx, const std::string& scope_org,
                                 const std::string& key_id, const audit::Entry& base);

// Longest grace a rotation may give the old key.
constexpr int64_t kMaxKeyGraceS = 86400;
struct RotatedKey {
  CreatedKey created;  // the successor: same agent, same vendor; its secret shown once
  store::KeyRow old;   // with rotated_to, and expires_at (grace) or revoked_at (no grace)
};
// Replaces an agent key by a new one bound to the same agent and vendor. The old key keeps
// authenticating until now + grace_s (0: it stops at once). A revoked key, or one already
// rotated, answers 409; grace_s outside 0..kMaxKeyGraceS answers 400.
Result<RotatedKey> rotate_key(store::WriteTx& tx, const std::string& scope_org,
                              const std::string& key_id, int64_t grace_s,
                              const crypto::SecretBuffer& hash_key, const audit::Entry& base);

constexpr std::string_view kAgentKeyPrefix = "sk_secu_";

// A stored policy as the policy engine evaluates it (the gateway and transfers decide alike).
policy::Policy policy_of(const store::PolicyRow& p);

}  // namespace secu::governance
