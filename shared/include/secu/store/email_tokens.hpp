// The email_tokens table: magic-link and verification tokens. Only the keyed hash of a token is
// stored; a token is used at most once and only before it expires.
// Thread-safety: as Db. Writes only inside Store::write jobs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "secu/db.hpp"

namespace secu::store {

struct EmailTokenRow {
  std::string token_hash;  // "b2:" + hex, never the token
  std::string kind;        // "magic" | "verify"
  std::string user_id;
  std::optional<std::string> redirect_url;
  int64_t created_at = 0;  // ms
  int64_t expires_at = 0;  // ms
  std::optional<int64_t> used_at;
};

Status insert_email_token(Db& db, const EmailTokenRow& t);
// Marks the token used and returns its row, in one statement, if it is of `kind`, unused and
// unexpired at `now_ms`; nullopt otherwise (unknown, used, expired, other kind). Single use
// holds under concurrency because only the writer runs it and the UPDATE is conditional.
Result<std::optional<EmailTokenRow>> consume_email_token(Db& db, const std::string& token_hash,
                                                         const std::string& kind, int64_t now_ms);
// Deletes tokens that expired before `before_ms` (housekeeping).
Status delete_email_tokens_expired_before(Db& db, int64_t before_ms);

}  // namespace secu::store
