#include "gateway/governance_cache.hpp"

#include "secu/governance.hpp"
#include "secu/store/policies.hpp"

namespace secu::gateway {

Result<std::shared_ptr<const GovernanceView>> GovernanceCache::get(store::Store& store,
                                                                   const std::string& key_id,
                                                                   const std::string& agent_id,
                                                                   const std::string& vendor_id,
                                                                   const std::string& org_id) {
  const uint64_t generation = store.governance_generation();
  {
    std::lock_guard lk(m_mu);
    auto it = m_entries.find(key_id);
    if (it != m_entries.end() && it->second.generation == generation) return it->second.view;
  }

  std::optional<store::AgentRow> agent;
  std::vector<store::PolicyRow> policies;
  std::optional<store::VendorRow> vendor;
  std::optional<store::BillingSettingsRow> settings;
  SECU_TRY_VOID(store.read([&](store::Db& db) -> Status {
    SECU_TRY(agent, store::get_agent(db, agent_id));
    SECU_TRY(policies, store::policies_of_agent(db, agent_id));
    SECU_TRY(vendor, store::get_vendor(db, vendor_id));
    SECU_TRY(settings, store::get_billing_settings(db, org_id));
    return {};
  }));
  if (!agent || !vendor || vendor->deleted_at) return std::shared_ptr<const GovernanceView>();

  auto view = std::make_shared<GovernanceView>();
  view->agent = std::move(*agent);
  view->policies.reserve(policies.size());
  for (const auto& p : policies)
    view->policies.push_back(governance::policy_of(p));
  view->vendor = std::move(*vendor);
  view->settings = std::move(settings);

  std::lock_guard lk(m_mu);
  if (m_entries.size() >= kMaxEntries) m_entries.clear();
  // A newer entry may have landed meanwhile; keep whichever was read under the later value.
  auto& slot = m_entries[key_id];
  if (slot.generation <= generation) slot = Entry{generation, view};
  return std::shared_ptr<const GovernanceView>(std::move(view));
}

size_t GovernanceCache::size() {
  std::lock_guard lk(m_mu);
  return m_entries.size();
}

}  // namespace secu::gateway
