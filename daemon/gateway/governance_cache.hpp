// What the gateway needs to know about a key besides the key's own row — its agent, the
// agent's policies (already in evaluable form), its vendor and the org's billing settings —
// kept between requests. Without it every gateway request opened a read transaction for five
// lookups, and in WAL mode each of those found its page cache reset by the previous request's
// commit.
//
// Invalidation: an entry is tagged with Store::governance_generation() read BEFORE its read
// transaction, and used only while that value has not moved. The store moves it before it
// acknowledges any write that touched those tables, so a change (a policy edit, a vendor's new
// credential, a kill-switch) is seen by the very next request. The key's own row (revocation,
// expiry, grace) is not cached: auth reads it on every request and the decision's write job
// re-reads it and the agent's status inside the transaction that records the decision.
//
// Thread-safety: get() from any thread; entries are immutable and shared.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "secu/policy.hpp"
#include "secu/result.hpp"
#include "secu/store.hpp"
#include "secu/store/agents.hpp"
#include "secu/store/billing_settings.hpp"
#include "secu/store/vendors.hpp"

namespace secu::gateway {

struct GovernanceView {
  store::AgentRow agent;
  std::vector<policy::Policy> policies;  // in attachment order
  store::VendorRow vendor;               // not deleted
  std::optional<store::BillingSettingsRow> settings;
};

class GovernanceCache {
 public:
  // Bounded: past this many keys the cache starts over (a miss costs one read).
  static constexpr size_t kMaxEntries = 4096;

  // The view of the key's agent and vendor; null when either is gone (or the vendor deleted).
  Result<std::shared_ptr<const GovernanceView>> get(store::Store& store, const std::string& key_id,
                                                    const std::string& agent_id,
                                                    const std::string& vendor_id,
                                                    const std::string& org_id);
  size_t size();

 private:
  struct Entry {
    uint64_t generation = 0;
    std::shared_ptr<const GovernanceView> view;
  };
  std::mutex m_mu;
  std::unordered_map<std::string, Entry> m_entries;  // GUARDED_BY(m_mu), by key id
};

}  // namespace secu::gateway
