#include "secu/audit.hpp"
#include "secu/audit/log.hpp"
#include "secu/audit/verify.hpp"
#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/store/audit_checkpoints.hpp"
#include "secu/store/audit_log.hpp"
#include "secu/store/audit_merkle.hpp"

namespace secu::audit {

namespace {

// The state of one pass; the first failure wins, later rows are only hashed and counted.
struct Pass {
  VerifyReport report;
  void fail(int64_t seq, const char* reason) {
    if (!report.ok) return;
    report.ok = false;
    report.first_bad_seq = seq;
    report.reason = reason;
  }
};

}  // namespace

Result<VerifyReport> verify_log(store::Store& st, const NoteKey& key) {
  Pass pass;
  auto& r = pass.report;
  SECU_TRY_VOID(st.read([&](store::Db& db) -> Status {
    SECU_TRY(auto rows, store::AuditCursor::open(db, {}));
    SECU_TRY(auto leaves, store::MerkleLeafCursor::open(db, 0));
    SECU_TRY(auto cps, store::CheckpointCursor::open(db));
    store::CheckpointRow cp, latest_cp;
    int64_t before_latest_size = 0;  // the size of the checkpoint before the latest
    SECU_TRY(bool have_cp, cps.next(cp));
    bool have_latest = false;
    int64_t good_cp_size = 0;  // the largest checkpoint size whose root matched
    auto advance = [&]() -> Status {
      if (have_latest) before_latest_size = latest_cp.size;
      latest_cp = std::move(cp);
      have_latest = true;
      SECU_TRY(have_cp, cps.next(cp));
      return {};
    };
    // Checkpoints of size 0 (the empty tree) come first.
    merkle::CompactRange tree;
    auto check_checkpoints = [&]() -> Status {
      while (have_cp && cp.size <= tree.size()) {
        if (cp.size == tree.size()) {
          ++r.checkpoints_checked;
          if (cp.root != tree.root()) {
            pass.fail(good_cp_size + 1, "checkpoint_mismatch");
          } else if (r.ok) {
            good_cp_size = cp.size;
          }
        }
        SECU_TRY_VOID(advance());
      }
      return {};
    };
    SECU_TRY_VOID(check_checkpoints());

    store::AuditRow row;
    std::string prev = kGenesisHash;
    int64_t leaf_idx = 0;
    std::string stored_leaf;
    for (;;) {
      SECU_TRY(bool more, rows.next(row));
      if (!more) break;
      ++r.entries;
      const int64_t expected = r.entries;
      if (row.seq != expected) pass.fail(expected, "missing_entry");
      if (row.prev_hash != prev) pass.fail(row.seq, "prev_hash_mismatch");
      const std::string ts = format_rfc3339(row.ts);
      const std::string canonical =
          canonical_json(CanonicalFields{row.seq, ts, row.org_id, row.actor_type, row.actor_id,
                                         row.action, row.target, row.details, row.request_id});
      if (chain_hash(row.prev_hash, canonical) != row.hash) pass.fail(row.seq, "hash_mismatch");
      merkle::Hash leaf = merkle::hash_leaf(canonical);
      SECU_TRY(bool has_leaf, leaves.next(leaf_idx, stored_leaf));
      if (!has_leaf || leaf_idx != expected - 1 || stored_leaf != leaf) {
        pass.fail(expected, "tree_mismatch");
      }
      tree.push(std::move(leaf));
      SECU_TRY_VOID(check_checkpoints());
      prev = row.hash;
    }
    r.head_hash = r.entries ? prev : std::string();
    r.root = tree.root();
    // Leaves or checkpoints beyond the last row: the log lost its tail.
    SECU_TRY(bool extra_leaf, leaves.next(leaf_idx, stored_leaf));
    if (extra_leaf || have_cp) pass.fail(r.entries + 1, "truncated");
    while (have_cp)  // on to the largest stored, for the signature check
      SECU_TRY_VOID(advance());
    if (have_latest && r.ok) {
      auto opened = open_checkpoint(latest_cp.note, key);
      if (!opened.ok() || opened->size != latest_cp.size || opened->root != latest_cp.root) {
        pass.fail(before_latest_size + 1, "checkpoint_signature");
      }
    }
    return {};
  }));
  return std::move(pass.report);
}

}  // namespace secu::audit
