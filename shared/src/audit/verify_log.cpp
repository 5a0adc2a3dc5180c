// Streaming verification of the whole log (the contract is in secu/audit/verify.hpp).
//
// Two threads share the work, so a long log verifies in about half the time on two cores: the
// reader (the caller's thread, holding the read transaction) steps the rows, the stored leaves
// and the checkpoints, rebuilds each entry's canonical JSON and checks the chain's links; a
// worker recomputes each entry's chain hash, hashes the leaves, compares them with the stored
// ones, grows the tree and compares the root at each checkpoint's size. They hand over bounded
// batches, so memory stays constant. Each side records its first failure with the position (row
// count) at which a sequential pass would have seen it; the earlier one wins, which makes the
// answer the sequential one.
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

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

constexpr size_t kBatch = 1024;  // entries per hand-over
constexpr size_t kInFlight = 4;  // batches queued at most

struct Failure {
  int64_t at = std::numeric_limits<int64_t>::max();  // position where it is noticed
  int order = 0;                                     // the order of the checks within one position
  int64_t seq = 0;
  const char* reason = nullptr;
  bool any() const { return reason != nullptr; }
  void note(int64_t at_, int order_, int64_t seq_, const char* reason_) {
    if (std::tie(at_, order_) < std::tie(at, order)) *this = {at_, order_, seq_, reason_};
  }
  void merge(const Failure& o) {
    if (o.any()) note(o.at, o.order, o.seq, o.reason);
  }
};

int hex_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// chain_hash(prev_hex, canonical) == hash_hex, without its strings (hex decode, digest, hex
// encode) for the usual 64-digit prev: verify runs it on every entry. Anything else takes
// chain_hash itself, so odd stored values are judged exactly as before.
bool chain_matches(const std::string& prev_hex, const std::string& canonical,
                   const std::string& hash_hex) {
  char prev[32];
  bool ok = prev_hex.size() == 64;
  for (size_t i = 0; ok && i < 32; ++i) {
    const int hi = hex_nibble(prev_hex[2 * i]), lo = hex_nibble(prev_hex[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    prev[i] = static_cast<char>(hi << 4 | lo);
  }
  if (!ok) return chain_hash(prev_hex, canonical) == hash_hex;
  crypto::Sha256 h;
  h.update(std::string_view(prev, 32));
  h.update(canonical);
  const std::string digest = h.finish();
  if (hash_hex.size() != 2 * digest.size()) return false;
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < digest.size(); ++i) {
    const auto c = static_cast<unsigned char>(digest[i]);
    if (hash_hex[2 * i] != kHex[c >> 4] || hash_hex[2 * i + 1] != kHex[c & 15]) return false;
  }
  return true;
}

// One entry as the worker needs it.
struct Item {
  int64_t seq = 0;
  std::string canonical;
  std::string prev_hash;  // the stored chain values, hex
  std::string hash;
  bool has_leaf = false;
  std::string stored_leaf;
  bool has_checkpoint = false;  // a checkpoint of exactly this size (the item's position)
  std::string checkpoint_root;
};
using Batch = std::vector<Item>;

// A bounded hand-over queue; close() ends it.
class Queue {
 public:
  void push(Batch b) {
    std::unique_lock lk(m_mu);
    m_not_full.wait(lk, [&] { return m_q.size() < kInFlight; });
    m_q.push_back(std::move(b));
    m_not_empty.notify_one();
  }
  bool pop(Batch& b) {
    std::unique_lock lk(m_mu);
    m_not_empty.wait(lk, [&] { return !m_q.empty() || m_closed; });
    if (m_q.empty()) return false;
    b = std::move(m_q.front());
    m_q.pop_front();
    m_not_full.notify_one();
    return true;
  }
  // Processed batches go back to the reader, which refills their items in place: the strings
  // keep their buffers, and no buffer is freed by the thread that did not allocate it (both
  // showed as malloc/free in the profile).
  void give_back(Batch b) {
    std::lock_guard lk(m_mu);
    if (m_spare.size() < kInFlight) m_spare.push_back(std::move(b));
  }
  bool take_spare(Batch& b) {
    std::lock_guard lk(m_mu);
    if (m_spare.empty()) return false;
    b = std::move(m_spare.back());
    m_spare.pop_back();
    return true;
  }
  void close() {
    std::lock_guard lk(m_mu);
    m_closed = true;
    m_not_empty.notify_all();
  }

 private:
  std::mutex m_mu;
  std::condition_variable m_not_full, m_not_empty;
  std::deque<Batch> m_q;       // GUARDED_BY(m_mu)
  std::vector<Batch> m_spare;  // GUARDED_BY(m_mu)
  bool m_closed = false;       // GUARDED_BY(m_mu)
};

// The worker's side: the chain hash of each entry, leaves, tree and checkpoint roots. The chain
// hash is checked here rather than by the reader so that the two threads carry about the same
// load (the reader's SQLite stepping and canonical JSON against the worker's three hashes).
struct TreeSide {
  merkle::CompactRange tree;
  Failure failure;
  Failure chain_failure;        // kept apart: good_checkpoint only follows the tree's own checks
  int64_t good_checkpoint = 0;  // the largest checkpoint size that matched before a failure
  int64_t checkpoints_checked = 0;

  void run(Queue& q) {
    Batch b;
    while (q.pop(b)) {
      for (auto& item : b) {
        merkle::Hash leaf = merkle::hash_leaf(item.canonical);
        const int64_t pos = tree.size() + 1;
        if (!chain_matches(item.prev_hash, item.canonical, item.hash))
          chain_failure.note(pos, 2, item.seq, "hash_mismatch");
        if (!item.has_leaf || item.stored_leaf != leaf) failure.note(pos, 3, pos, "tree_mismatch");
        tree.push(std::move(leaf));
        if (item.has_checkpoint) {
          ++checkpoints_checked;
          if (item.checkpoint_root != tree.root()) {
            failure.note(pos, 4, good_checkpoint + 1, "checkpoint_mismatch");
          } else if (!failure.any()) {
            good_checkpoint = pos;
          }
        }
      }
      q.give_back(std::move(b));
    }
  }
};

}  // namespace

Result<VerifyReport> verify_log(store::Store& st, const NoteKey& key) {
  VerifyReport r;
  Failure failure;  // the reader's; the worker's is merged after the join
  TreeSide side;
  SECU_TRY_VOID(st.read([&](store::Db& db) -> Status {
    SECU_TRY(auto rows, store::AuditCursor::open(db, {}));
    SECU_TRY(auto leaves, store::MerkleLeafCursor::open(db, 0));
    SECU_TRY(auto cps, store::CheckpointCursor::open(db));
    store::CheckpointRow cp, latest_cp;
    bool have_latest = false;
    int64_t before_latest_size = 0;  // the size of the checkpoint before the latest
    SECU_TRY(bool have_cp, cps.next(cp));
    auto advance = [&]() -> Status {
      if (have_latest) before_latest_size = latest_cp.size;
      latest_cp = std::move(cp);
      have_latest = true;
      SECU_TRY(have_cp, cps.next(cp));
      return {};
    };
    // A checkpoint of the empty tree comes before any row.
    while (have_cp && cp.size == 0) {
      ++r.checkpoints_checked;
      if (cp.root != merkle::empty_root()) failure.note(0, 4, 1, "checkpoint_mismatch");
      SECU_TRY_VOID(advance());
    }

    Queue queue;
    std::thread worker([&] { side.run(queue); });
    // The worker is joined on every path out, errors included.
    struct Join {
      Queue& q;
      std::thread& t;
      ~Join() {
        q.close();
        if (t.joinable()) t.join();
      }
    } join{queue, worker};

    store::AuditRow row;
    std::string prev = kGenesisHash;
    int64_t leaf_idx = 0;
    Batch batch;
    batch.reserve(kBatch);
    size_t used = 0;  // items of `batch` filled so far; the rest are recycled ones
    for (;;) {
      SECU_TRY(bool more, rows.next(row));
      if (!more) break;
      const int64_t pos = ++r.entries;
      if (row.seq != pos) failure.note(pos, 0, pos, "missing_entry");
      if (row.prev_hash != prev) failure.note(pos, 1, row.seq, "prev_hash_mismatch");
      const std::string ts = format_rfc3339(row.ts);
      if (used == batch.size()) batch.emplace_back();
      Item& item = batch[used++];
      item.seq = row.seq;
      item.canonical =
          canonical_json(CanonicalFields{row.seq, ts, row.org_id, row.actor_type, row.actor_id,
                                         row.action, row.target, row.details, row.request_id});
      SECU_TRY(bool has_leaf, leaves.next(leaf_idx, item.stored_leaf));
      item.has_leaf = has_leaf && leaf_idx == pos - 1;
      while (have_cp && cp.size < pos)  // cannot happen: sizes are positions already passed
        SECU_TRY_VOID(advance());
      item.has_checkpoint = false;
      if (have_cp && cp.size == pos) {
        item.has_checkpoint = true;
        item.checkpoint_root = cp.root;
        SECU_TRY_VOID(advance());
      }
      prev = row.hash;
      item.prev_hash.swap(row.prev_hash);
      item.hash.swap(row.hash);
      if (used == kBatch) {
        queue.push(std::move(batch));
        batch.clear();
        if (!queue.take_spare(batch)) batch.reserve(kBatch);
        used = 0;
      }
    }
    if (used) {
      batch.resize(used);
      queue.push(std::move(batch));
    }
    r.head_hash = r.entries ? prev : std::string();
    // Leaves or checkpoints beyond the last row: the log lost its tail.
    std::string extra;
    SECU_TRY(bool extra_leaf, leaves.next(leaf_idx, extra));
    if (extra_leaf || have_cp) failure.note(r.entries + 1, 0, r.entries + 1, "truncated");
    while (have_cp)  // on to the largest stored, for the signature check
      SECU_TRY_VOID(advance());
    queue.close();
    worker.join();
    failure.merge(side.failure);
    failure.merge(side.chain_failure);
    if (have_latest && !failure.any()) {
      auto opened = open_checkpoint(latest_cp.note, key);
      if (!opened.ok() || opened->size != latest_cp.size || opened->root != latest_cp.root) {
        failure.note(r.entries + 1, 1, before_latest_size + 1, "checkpoint_signature");
      }
    }
    return {};
  }));
  r.root = side.tree.root();
  r.checkpoints_checked += side.checkpoints_checked;
  if (failure.any()) {
    r.ok = false;
    r.first_bad_seq = failure.seq;
    r.reason = failure.reason;
  }
  return r;
}

}  // namespace secu::audit
