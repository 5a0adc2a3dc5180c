// The idempotency table: the first answer to a request carrying an idempotency key, kept so a
// retry with the same key gets the same answer (and another body with that key a 409).
// `response` is whatever the caller stores (identity seals it: answers can carry tokens).
// Thread-safety: as Db. Writes only inside Store::write jobs, so check-then-insert by the one
// writer is atomic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "secu/db.hpp"

namespace secu::store {

struct IdempotencyRow {
  std::string scope;      // principal and endpoint, e.g. "signup"
  std::string key;        // the client's idempotency key
  std::string body_hash;  // keyed hash of the canonical request body
  int status = 200;
  std::string response;
  int64_t created_at = 0;  // ms
};

Result<std::optional<IdempotencyRow>> get_idempotency(Db& db, const std::string& scope,
                                                      const std::string& key);
Status insert_idempotency(Db& db, const IdempotencyRow& row);
// Deletes records created before `before_ms` (records are kept at least 24 h).
Status delete_idempotency_before(Db& db, int64_t before_ms);

}  // namespace secu::store
