#include "secu/clock.hpp"
#include "secu/governance.hpp"

namespace secu::governance {

namespace {

// The secret, its keyed hash, the row and the audit entry (never the secret).
Result<CreatedKey> mint_key(store::WriteTx& tx, const store::AgentRow& agent,
                            const std::string& vendor_id, const crypto::SecretBuffer& hash_key,
                            const audit::Entry& base) {
  CreatedKey out;
  out.secret = std::string(kAgentKeyPrefix) + crypto::random_token(32);
  out.row.id = crypto::random_id("key");
  out.row.org_id = agent.org_id;
  out.row.agent_id = agent.id;
  out.row.vendor_id = vendor_id;
  out.row.key_hash = crypto::token_hash(hash_key, out.secret);
  out.row.prefix = out.secret.substr(0, kAgentKeyPrefix.size() + 4);
  out.row.created_at = now_ms();
  SECU_TRY_VOID(store::insert_key(tx.db, out.row));
  audit::Entry e = base;
  e.org_id = out.row.org_id;
  e.action = "key.create";
  e.target = out.row.id;
  e.details = {{"agent_id", agent.id}, {"prefix", out.row.prefix}};
  if (!vendor_id.empty()) e.details["vendor_id"] = vendor_id;
  SECU_TRY_VOID(audit::append(tx, e));
  return out;
}

}  // namespace

Result<CreatedKey> create_key(store::WriteTx& tx, const std::string& scope_org,
                              const std::string& agent_id, const std::string& vendor_id,
                              const crypto::SecretBuffer& hash_key, const audit::Entry& base) {
  SECU_TRY(auto agent, store::get_agent(tx.db, agent_id));
  if (!agent || (!scope_org.empty() && agent->org_id != scope_org)) {
    Error e = Error::not_found("agent");
    e.field = "agent_id";
    return e;
  }
  SECU_TRY(auto vendor, store::get_vendor(tx.db, vendor_id));
  // The vendor must be of the agent's org: a key never bridges two tenants.
  if (!vendor || vendor->deleted_at || vendor->org_id != agent->org_id) {
    Error e = Error::not_found("vendor");
    e.field = "vendor_id";
    return e;
  }
  return mint_key(tx, *agent, vendor_id, hash_key, base);
}

Result<CreatedKey> create_payer_key(store::WriteTx& tx, const store::AgentRow& agent,
                                    const crypto::SecretBuffer& hash_key,
                                    const audit::Entry& base) {
  return mint_key(tx, agent, "", hash_key, base);
}

Result<store::KeyRow> revoke_key(store::WriteTx& tx, const std::string& scope_org,
                                 const std::string& key_id, const audit::Entry& base) {
  SECU_TRY(auto found, store::get_key(tx.db, key_id));
  if (!found || (!scope_org.empty() && found->org_id != scope_org)) return Error::not_found("key");
  store::KeyRow k = std::move(*found);
  const bool already = k.revoked_at.has_value();
  if (!already) {
    k.revoked_at = now_ms();
    SECU_TRY_VOID(store::revoke_key(tx.db, k.id, *k.revoked_at));
  }
  audit::Entry e = base;
  e.org_id = k.org_id;
  e.action = "key.revoke";
  e.target = k.id;
  e.details = {{"agent_id", k.agent_id}, {"vendor_id", k.vendor_id}, {"already_revoked", already}};
  SECU_TRY_VOID(audit::append(tx, e));
  return k;
}

}  // namespace secu::governance
