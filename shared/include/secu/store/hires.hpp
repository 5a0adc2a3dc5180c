// The marketplace_hires table: one row per hire of a listed agent by another org.
// Thread-safety: as Db. Writes only inside Store::write jobs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "secu/db.hpp"
#include "secu/paging.hpp"

namespace secu::store {

struct HireRow {
  std::string id;      // hire_…
  std::string org_id;  // the hiring org
  std::string to_agent_id;
  std::string to_org_id;
  std::string pricing_model;
  int64_t price_micros = 0;
  std::optional<int64_t> daily_budget_micros;
  std::optional<std::string> rail;
  std::optional<std::string> currency;
  std::optional<std::string> network;
  std::optional<std::string> asset;
  std::optional<std::string> charge_transfer_id;
  // The linked key: the hiring org's payer agent, its policy (tx.transfer only) and its key.
  std::optional<std::string> payer_agent_id;
  std::optional<std::string> policy_id;
  std::optional<std::string> key_id;
  std::string status = "active";
  std::optional<std::string> idempotency_key;
  std::optional<std::string> body_hash;
  std::string actor_type;
  std::string actor_id;
  std::string request_id;
  int64_t created_at = 0;
};

Status insert_hire(Db& db, const HireRow& h);
Result<std::optional<HireRow>> get_hire(Db& db, const std::string& id);
Result<std::optional<HireRow>> find_hire_by_idempotency(Db& db, const std::string& org_id,
                                                        const std::string& key);
// The hire whose payer agent is `agent_id` (its linked key pays only the hired agent).
Result<std::optional<HireRow>> find_hire_by_payer(Db& db, const std::string& agent_id);
// Newest first: hires made by the org or of its agents ("" = all); up to limit + 1 rows.
Result<std::vector<HireRow>> list_hires(Db& db, const std::string& org_id, const PageRequest& page);

}  // namespace secu::store
