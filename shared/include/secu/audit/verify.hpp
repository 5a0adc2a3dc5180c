// Server-side verification of the whole audit log, streaming (constant memory).
//
// One pass over audit_log in seq order, in one read transaction, recomputes per entry the
// canonical JSON, the chain hash and the leaf hash, and checks:
//   seq numbering without gaps, prev_hash = the previous entry's hash, hash, the stored leaf
//   of audit_merkle, the root of every stored checkpoint at its size, no stored leaf or
//   checkpoint beyond the log (truncation), and the latest checkpoint's signature.
// The first failure names the first bad seq and a reason code:
//   missing_entry, prev_hash_mismatch, hash_mismatch, tree_mismatch — the entry itself;
//   checkpoint_mismatch, checkpoint_signature — the first seq after the last checkpoint that
//     still matches (a consistent rewrite of the chain shows up only there);
//   truncated — entries + 1 (the log ends before its tree or a signed checkpoint).
// Thread-safety: any thread; it holds one pooled read connection for the pass.
#pragma once

#include <cstdint>
#include <string>

#include "secu/audit/checkpoint.hpp"
#include "secu/audit/merkle.hpp"
#include "secu/store.hpp"

namespace secu::audit {

struct VerifyReport {
  bool ok = true;
  int64_t entries = 0;    // rows in the log
  std::string head_hash;  // the last row's hash (hex), empty for an empty log
  merkle::Hash root;      // the root recomputed from the rows as they are
  int64_t first_bad_seq = 0;
  std::string reason;               // empty when ok
  int64_t checkpoints_checked = 0;  // stored checkpoints whose root was compared
};

// `key` checks the latest checkpoint's signature.
Result<VerifyReport> verify_log(store::Store& st, const NoteKey& key);

}  // namespace secu::audit
