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
  e.details = {{"agent_id", k.agent_id}, {"already_revoked", already}};
  if (!k.vendor_id.empty()) e.details["vendor_id"] = k.vendor_id;
  SECU_TRY_VOID(audit::append(tx, e));
  return k;
}

Result<RotatedKey> rotate_key(store::WriteTx& tx, const std::string& scope_org,
                              const std::string& key_id, int64_t grace_s,
                              const crypto::SecretBuffer& hash_key, const audit::Entry& base) {
  if (grace_s < 0 || grace_s > kMaxKeyGraceS)
    return Error::invalid("grace_seconds must be 0 to 86400", "grace_seconds");
  SECU_TRY(auto found, store::get_key(tx.db, key_id));
  if (!found || (!scope_org.empty() && found->org_id != scope_org)) return Error::not_found("key");
  const int64_t now = now_ms();
  if (!found->usable(now)) return Error::conflict("key_revoked", "the key is revoked or expired");
  // One successor per key: rotating the old key again would mint a second live key and could
  // stretch its grace; rotate the successor instead.
  if (found->rotated_to)
    return Error::conflict("key_already_rotated", "the key was rotated to " + *found->rotated_to);
  RotatedKey out;
  // The successor is made exactly like a new key (same checks: agent and vendor still there and
  // of one org), so a rotation never outlives what create would allow.
  if (found->vendor_id.empty()) {
    // A payer key (a hire's linked key) is succeeded by a payer key of the same agent.
    SECU_TRY(auto agent, store::get_agent(tx.db, found->agent_id));
    if (!agent) return Error::not_found("agent");
    SECU_TRY(out.created, create_payer_key(tx, *agent, hash_key, base));
  } else {
    SECU_TRY(out.created,
             create_key(tx, scope_org, found->agent_id, found->vendor_id, hash_key, base));
  }
  out.old = std::move(*found);
  out.old.rotated_to = out.created.row.id;
  if (grace_s > 0) {
    out.old.expires_at = now + grace_s * 1000;
  } else {
    out.old.revoked_at = now;
  }
  SECU_TRY_VOID(store::mark_key_rotated(tx.db, out.old.id, out.created.row.id, out.old.expires_at,
                                        out.old.revoked_at));
  audit::Entry e = base;
  e.org_id = out.old.org_id;
  e.action = "key.rotate";
  e.target = out.old.id;
  e.details = {{"agent_id", out.old.agent_id},
               {"new_key_id", out.created.row.id},
               {"new_prefix", out.created.row.prefix},
               {"grace_seconds", grace_s}};
  if (!out.old.vendor_id.empty()) e.details["vendor_id"] = out.old.vendor_id;
  SECU_TRY_VOID(audit::append(tx, e));
  return out;
}

}  // namespace secu::governance
