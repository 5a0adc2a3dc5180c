#include "secu/state/snapshot.hpp"

#include "sections.hpp"

namespace secu::state {

namespace {

struct Section {
  const char* name;
  SectionFn fn;  // nullptr: the area is not built yet and answers []
};

// The snapshot's areas, in answer order. Each area adds its function here and in sections.hpp.
constexpr Section kSections[] = {
    {"orgs", &orgs_section},           {"users", &users_section},
    {"agents", &agents_section},       {"policies", &policies_section},
    {"vendors", &vendors_section},     {"keys", &keys_section},
    {"approvals", &approvals_section}, {"billing_settings", &billing_settings_section},
};

}  // namespace

Result<nlohmann::json> snapshot(store::Db& db, const Scope& scope) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& s : kSections) {
    nlohmann::json items = nlohmann::json::array();
    if (s.fn) SECU_TRY_VOID(s.fn(db, scope, items));
    out[s.name] = std::move(items);
  }
  return out;
}

}  // namespace secu::state
