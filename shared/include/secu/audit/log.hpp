// The audit log's Merkle tree and signed checkpoints, on the store.
//
// Invariants:
//  1. Entry seq s is leaf s-1 of an RFC 6962 tree whose leaf hash is
//     SHA-256(0x00 ‖ canonical_json(entry)). append() stores the leaf and every complete
//     subtree it completes in audit_merkle, in the same transaction as the entry, so the tree
//     and the chain commit together or not at all. The tree's size is its number of leaves.
//  2. A checkpoint is a C2SP tlog-checkpoint for some size n <= tree size, signed with the
//     daemon's Ed25519 key under the install's origin ("secud/<install id>", in meta). Stored
//     checkpoints only grow in size; one is signed whenever the tree grew since the last
//     (the Checkpointer, at most once per interval, or on demand by current_checkpoint()).
//  3. Roots and proofs are computed from stored complete subtrees: O(log n) lookups, never a
//     rehash of the log.
// Thread-safety: functions taking a Db& run inside the caller's read or write transaction;
// functions taking a Store& may be called from any thread. Checkpointer runs one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "secu/audit/checkpoint.hpp"
#include "secu/audit/merkle.hpp"
#include "secu/crypto.hpp"
#include "secu/store.hpp"

namespace secu::audit {

// Who signs checkpoints: the install's origin (also the signed-note key name) and the key.
struct Signer {
  std::string origin;
  const crypto::SigningKey* key = nullptr;  // not owned; outlives the Signer
  NoteKey note_key() const { return make_note_key(origin, key->public_key); }
};

// Reads the install's origin, creating "secud/<random id>" on first use (one write job).
Result<std::string> ensure_origin(store::Store& st);
// ensure_origin + the key.
Result<Signer> make_signer(store::Store& st, const crypto::SigningKey& key);

// Reads complete subtrees from audit_merkle; a missing node is kUnavailable (fail closed).
merkle::NodeReader node_reader(store::Db& db);
Result<int64_t> tree_size(store::Db& db);
// The root of the first `size` leaves; size must be <= the tree size.
Result<merkle::Hash> tree_root(store::Db& db, int64_t size);
// The inclusion proof of entry `seq` in the tree of `size` leaves (seq <= size <= tree size).
Result<merkle::Proof> prove_inclusion(store::Db& db, int64_t seq, int64_t size);
// The consistency proof from size `from` to size `to` (0 <= from <= to <= tree size).
Result<merkle::Proof> prove_consistency(store::Db& db, int64_t from, int64_t to);

struct SignedCheckpoint {
  Checkpoint checkpoint;
  int64_t ts = 0;    // when it was signed, ms
  std::string note;  // the signed note
};
Result<std::optional<SignedCheckpoint>> latest_checkpoint(store::Db& db);
Result<std::optional<SignedCheckpoint>> checkpoint_at(store::Db& db, int64_t size);
// The latest checkpoint, after signing one for the current tree when it grew since (or when
// there is none yet). Sizes only grow, so concurrent callers never sign the same size twice.
// When signing fails (storage read-only, tree unreadable) the previous checkpoint is returned
// (and the failure logged); an error only when there is none.
Result<SignedCheckpoint> current_checkpoint(store::Store& st, const Signer& signer);

// Signs checkpoints in the background: at once, then every `interval` when the tree grew.
// start() makes the origin (its only failure) and the thread; stop() (or the destructor) joins
// it. Signing errors are logged and retried at the next tick; they never stop the daemon.
class Checkpointer {
 public:
  Checkpointer(store::Store& st, const crypto::SigningKey& key,
               std::chrono::milliseconds interval = std::chrono::seconds(1));
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  Status start();
  void stop();

 private:
  void loop();
  store::Store& m_store;
  const crypto::SigningKey& m_key;
  std::chrono::milliseconds m_interval;
  Signer m_signer;
  std::mutex m_mu;
  std::condition_variable m_cv;
  bool m_stop = false;  // GUARDED_BY(m_mu)
  std::thread m_thread;
};

}  // namespace secu::audit
