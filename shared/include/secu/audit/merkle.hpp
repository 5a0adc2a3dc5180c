// RFC 6962 / RFC 9162 Merkle tree maths, independent of storage.
//
// Hashes are raw 32-byte strings. leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ l ‖ r),
// and the root of n leaves is MTH(D[0:n]) of RFC 6962 §2.1 (the empty tree: SHA-256("")).
// Proofs are computed from the hashes of COMPLETE subtrees only — node (level, index) covers
// leaves [index·2^level, (index+1)·2^level) — which a NodeReader supplies (the database, or a
// test's array). Every MTH a proof needs is either such a node or a right-edge range [b, n)
// folded from at most log2(n) of them, so a root or proof costs O(log n) reads.
// Thread-safety: pure functions; CompactRange is a plain value.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "secu/result.hpp"

namespace secu::audit::merkle {

using Hash = std::string;  // raw 32 bytes
using Proof = std::vector<Hash>;

Hash hash_leaf(std::string_view data);
Hash hash_children(std::string_view left, std::string_view right);
// The root of the empty tree, SHA-256 of nothing.
Hash empty_root();
// The largest power of two strictly below n (n >= 2): RFC 6962's k.
int64_t split_point(int64_t n);

// Supplies the hash of a complete subtree (level, index); an error when it is not available.
using NodeReader = std::function<Result<Hash>(int level, int64_t index)>;

// MTH(D[begin:end]) for a range the RFC recursion produces (begin is a multiple of the largest
// power of two not above end - begin, and the range's complete parts are readable).
Result<Hash> range_hash(const NodeReader& nodes, int64_t begin, int64_t end);
Result<Hash> root(const NodeReader& nodes, int64_t size);

// Supplies MTH(D[begin:end]) for ranges of the RFC recursion; lets a caller memoise ranges
// across many proofs of one tree (an export proves thousands of neighbouring leaves).
using RangeReader = std::function<Result<Hash>(int64_t begin, int64_t end)>;
RangeReader range_reader(NodeReader nodes);
Result<Proof> inclusion_proof_from(const RangeReader& ranges, int64_t index, int64_t size);
// PATH(index, D[0:size]) of RFC 6962 §2.1.1, leaf-level sibling first.
Result<Proof> inclusion_proof(const NodeReader& nodes, int64_t index, int64_t size);
// PROOF(old_size, D[0:new_size]) of RFC 6962 §2.1.2; empty when old_size is 0 or new_size.
Result<Proof> consistency_proof(const NodeReader& nodes, int64_t old_size, int64_t new_size);

// RFC 9162 §2.1.3.2.
bool verify_inclusion(std::string_view leaf, int64_t index, int64_t size, const Proof& proof,
                      std::string_view root);
// RFC 9162 §2.1.4.2, plus the trivial cases: old_size 0 (anything extends the empty tree) and
// old_size == new_size (same root, empty proof).
bool verify_consistency(int64_t old_size, int64_t new_size, std::string_view old_root,
                        std::string_view new_root, const Proof& proof);

// The tree grown one leaf at a time with O(log n) memory: the roots of the maximal complete
// subtrees ("compact range" [0, n)). Used to stream-verify the log and to check full exports.
class CompactRange {
 public:
  // Called for every complete node a push completes (level 0 is the leaf itself).
  using NodeFn = std::function<void(int level, int64_t index, const Hash& hash)>;
  void push(Hash leaf, const NodeFn& on_node = {});
  Hash root() const;
  int64_t size() const { return m_size; }

 private:
  struct Node {
    int level;
    Hash hash;
  };
  std::vector<Node> m_nodes;  // left to right, strictly decreasing levels
  int64_t m_size = 0;
};

}  // namespace secu::audit::merkle
