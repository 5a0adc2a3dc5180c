// The audit_merkle table: the hashes of the complete subtrees of the audit log's RFC 6962
// Merkle tree. Node (level, idx) covers leaves [idx·2^level, (idx+1)·2^level); level 0 holds
// the leaf hashes. A node is inserted in the write transaction of the append that completes
// it and never changes, so any root or proof is O(log n) lookups (see secu/audit/log.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "secu/db.hpp"

namespace secu::store {

// Inserts a node; a node that already exists is a conflict (the tree is append-only).
Status insert_merkle_node(Db& db, int level, int64_t idx, std::string_view hash);
// The raw 32-byte hash of node (level, idx), or nullopt when it is not stored.
Result<std::optional<std::string>> merkle_node(Db& db, int level, int64_t idx);
// The number of leaves (level-0 nodes) stored: the size of the tree.
Result<int64_t> merkle_leaf_count(Db& db);

// Steps through the stored leaf hashes from leaf index `from` upwards, in index order.
class MerkleLeafCursor {
 public:
  static Result<MerkleLeafCursor> open(Db& db, int64_t from = 0);
  // Fills idx and hash (raw) and answers true, or answers false after the last leaf.
  Result<bool> next(int64_t& idx, std::string& hash);

 private:
  explicit MerkleLeafCursor(Stmt stmt) : m_stmt(std::move(stmt)) {}
  Stmt m_stmt;
};

}  // namespace secu::store
