// The audit log: an append-only hash chain of every change of state and every data-plane
// decision.
//
// Invariants:
//  1. Entries are numbered seq = 1, 2, 3… without gaps; entry n's prev_hash is entry n-1's hash
//     (64 zeros for n = 1) and hash = SHA-256(prev_hash_bytes ‖ canonical_json(entry)).
//  2. append() runs inside the caller's write job (store::WriteTx), so the entry commits with
//     the change it records or not at all. If the append fails, the job must fail: its
//     savepoint then rolls the change back too (fail closed).
//  3. Entries never carry secrets: details pass through redact() before they are stored.
//  4. Entry seq s is also leaf s-1 of the log's RFC 6962 Merkle tree: append() stores its leaf
//     hash and every subtree it completes in the same transaction (secu/audit/log.hpp), and
//     fails — so the audited change fails — when the tree does not line up with the chain.
// Thread-safety: append() only inside a Store::write job (one batch runs at a time).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "secu/result.hpp"
#include "secu/store.hpp"

namespace secu::audit {

struct Actor {
  std::string type;  // admin | user | agent | system | anonymous
  std::string id;
};

struct Entry {
  std::string org_id;  // "" for platform-level changes
  Actor actor;
  std::string action;  // "org.create", "agent.kill", "gateway.decision"…
  std::string target;  // the id acted on
  nlohmann::json details = nlohmann::json::object();
  std::string request_id;
};

struct Stored {
  int64_t seq = 0;
  int64_t ts = 0;  // ms since epoch
  Entry entry;
  std::string prev_hash;  // hex
  std::string hash;       // hex
};

struct Appended {
  int64_t seq = 0;
  std::string hash;  // hex
};

// Appends `e` (details redacted) in the caller's transaction.
Result<Appended> append(store::WriteTx& tx, const Entry& e);

// The canonical JSON hashed for an entry: sorted keys, no whitespace, ts in RFC 3339, strings
// escaped as nlohmann::json::dump(-1, ' ', false, replace) escapes them. Built by hand (verify
// rebuilds it for every entry of the log), byte-identical to dumping the equivalent object.
std::string canonical_json(int64_t seq, int64_t ts, const Entry& e);

// The same canonical JSON from stored or exported values: `ts` already in RFC 3339 and
// `details_json` the details' canonical JSON text (append stores exactly that text).
struct CanonicalFields {
  int64_t seq = 0;
  std::string_view ts;
  std::string_view org_id;
  std::string_view actor_type;
  std::string_view actor_id;
  std::string_view action;
  std::string_view target;
  std::string_view details_json;
  std::string_view request_id;
};
std::string canonical_json(const CanonicalFields& f);
// Appends `s` as a JSON string literal, escaped exactly as nlohmann's dump() escapes it.
void append_json_string(std::string& out, std::string_view s);
// The canonical text of a details object (what append stores in audit_log.details).
std::string details_json(const nlohmann::json& details);
// hash = SHA-256(prev ‖ canonical) in hex; `prev_hex` is 64 hex digits.
std::string chain_hash(const std::string& prev_hex, const std::string& canonical);
// RFC 6962 leaf hash of the canonical JSON: SHA-256(0x00 ‖ canonical), raw 32 bytes.
std::string leaf_hash(const std::string& canonical);
extern const char* const kGenesisHash;  // 64 zeros

// Replaces the values of secret-looking keys (password, token, secret, api_key, key,
// authorization…) with "[redacted]", recursively. The one redaction function for the audit log
// and the logs (rule of thumb 10).
nlohmann::json redact(const nlohmann::json& details);

}  // namespace secu::audit
