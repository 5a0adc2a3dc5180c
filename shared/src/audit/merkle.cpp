#include "secu/audit/merkle.hpp"

#include <algorithm>
#include <bit>

#include "secu/crypto.hpp"

namespace secu::audit::merkle {

Hash hash_leaf(std::string_view data) {
  crypto::Sha256 h;
  h.update(std::string_view("\0", 1));
  h.update(data);
  return h.finish();
}

Hash hash_children(std::string_view left, std::string_view right) {
  crypto::Sha256 h;
  h.update(std::string_view("\1", 1));
  h.update(left);
  h.update(right);
  return h.finish();
}

Hash empty_root() {
  return crypto::sha256("");
}

int64_t split_point(int64_t n) {
  // bit_floor(n - 1) is the largest power of two <= n - 1, i.e. < n.
  return static_cast<int64_t>(std::bit_floor(static_cast<uint64_t>(n - 1)));
}

namespace {
bool is_complete(int64_t begin, int64_t end) {
  const auto size = static_cast<uint64_t>(end - begin);
  return std::has_single_bit(size) && static_cast<uint64_t>(begin) % size == 0;
}
int level_of(int64_t size) {
  return std::countr_zero(static_cast<uint64_t>(size));
}
}  // namespace

Result<Hash> range_hash(const NodeReader& nodes, int64_t begin, int64_t end) {
  if (end <= begin || begin < 0) return Error::internal("empty Merkle range");
  // MTH of a range that is not complete is H(complete left part, MTH(right part)): walk down
  // the right edge collecting the left parts, then fold them back up from the right.
  std::vector<Hash> lefts;
  while (!is_complete(begin, end)) {
    const int64_t k = split_point(end - begin);
    SECU_TRY(auto left, nodes(level_of(k), begin >> level_of(k)));
    lefts.push_back(std::move(left));
    begin += k;
  }
  SECU_TRY(Hash acc, nodes(level_of(end - begin), begin >> level_of(end - begin)));
  for (auto it = lefts.rbegin(); it != lefts.rend(); ++it)
    acc = hash_children(*it, acc);
  return acc;
}

Result<Hash> root(const NodeReader& nodes, int64_t size) {
  if (size < 0) return Error::invalid("negative tree size");
  if (size == 0) return empty_root();
  return range_hash(nodes, 0, size);
}

RangeReader range_reader(NodeReader nodes) {
  return [nodes = std::move(nodes)](int64_t begin, int64_t end) {
    return range_hash(nodes, begin, end);
  };
}

Result<Proof> inclusion_proof_from(const RangeReader& ranges, int64_t index, int64_t size) {
  if (index < 0 || index >= size) return Error::invalid("leaf index outside the tree", "seq");
  // RFC 6962 §2.1.1, iteratively: descend from [0, size) towards the leaf, taking the MTH of
  // the other half at each step; the RFC lists them bottom-up, so reverse at the end.
  Proof top_down;
  int64_t begin = 0, end = size;
  while (end - begin > 1) {
    const int64_t k = split_point(end - begin);
    if (index < begin + k) {
      SECU_TRY(auto h, ranges(begin + k, end));
      top_down.push_back(std::move(h));
      end = begin + k;
    } else {
      SECU_TRY(auto h, ranges(begin, begin + k));
      top_down.push_back(std::move(h));
      begin += k;
    }
  }
  std::reverse(top_down.begin(), top_down.end());
  return top_down;
}

Result<Proof> inclusion_proof(const NodeReader& nodes, int64_t index, int64_t size) {
  return inclusion_proof_from([&nodes](int64_t b, int64_t e) { return range_hash(nodes, b, e); },
                              index, size);
}

Result<Proof> consistency_proof(const NodeReader& nodes, int64_t old_size, int64_t new_size) {
  if (old_size < 0 || old_size > new_size) {
    return Error::invalid("the old size must be between 0 and the new size", "from");
  }
  Proof top_down;
  if (old_size == 0 || old_size == new_size) return top_down;
  // SUBPROOF(m, D[begin:end], b) of RFC 6962 §2.1.2, iteratively; m is relative to begin.
  int64_t m = old_size, begin = 0, end = new_size;
  bool complete_old = true;  // b: the old tree's root is this very subtree
  while (m != end - begin) {
    const int64_t k = split_point(end - begin);
    if (m <= k) {
      SECU_TRY(auto h, range_hash(nodes, begin + k, end));
      top_down.push_back(std::move(h));
      end = begin + k;
    } else {
      SECU_TRY(auto h, range_hash(nodes, begin, begin + k));
      top_down.push_back(std::move(h));
      begin += k;
      m -= k;
      complete_old = false;
    }
  }
  if (!complete_old) {
    SECU_TRY(auto h, range_hash(nodes, begin, end));
    top_down.push_back(std::move(h));
  }
  std::reverse(top_down.begin(), top_down.end());
  return top_down;
}

bool verify_inclusion(std::string_view leaf, int64_t index, int64_t size, const Proof& proof,
                      std::string_view root) {
  if (index < 0 || index >= size) return false;
  uint64_t fn = static_cast<uint64_t>(index), sn = static_cast<uint64_t>(size - 1);
  Hash r(leaf);
  for (const auto& p : proof) {
    if (sn == 0 || p.size() != 32) return false;
    if ((fn & 1) || fn == sn) {
      r = hash_children(p, r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = hash_children(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && crypto::constant_time_equal(r, root);
}

bool verify_consistency(int64_t old_size, int64_t new_size, std::string_view old_root,
                        std::string_view new_root, const Proof& proof) {
  if (old_size < 0 || old_size > new_size) return false;
  if (old_size == 0) return proof.empty();
  if (old_size == new_size) return proof.empty() && crypto::constant_time_equal(old_root, new_root);
  if (proof.empty()) return false;
  for (const auto& p : proof)
    if (p.size() != 32) return false;
  // RFC 9162 §2.1.4.2: when the old tree is a complete subtree its root starts the path.
  Proof path;
  if (std::has_single_bit(static_cast<uint64_t>(old_size))) path.emplace_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = static_cast<uint64_t>(old_size - 1), sn = static_cast<uint64_t>(new_size - 1);
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const auto& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = hash_children(c, fr);
      sr = hash_children(c, sr);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = hash_children(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && crypto::constant_time_equal(fr, old_root) &&
         crypto::constant_time_equal(sr, new_root);
}

void CompactRange::push(Hash leaf, const NodeFn& on_node) {
  ++m_size;
  int level = 0;
  if (on_node) on_node(0, m_size - 1, leaf);
  // Merge with the equal-sized subtree on the left while there is one: binary carry.
  while (!m_nodes.empty() && m_nodes.back().level == level) {
    leaf = hash_children(m_nodes.back().hash, leaf);
    m_nodes.pop_back();
    ++level;
    if (on_node) on_node(level, (m_size >> level) - 1, leaf);
  }
  m_nodes.push_back({level, std::move(leaf)});
}

Hash CompactRange::root() const {
  if (m_nodes.empty()) return empty_root();
  Hash acc = m_nodes.back().hash;
  for (auto it = m_nodes.rbegin() + 1; it != m_nodes.rend(); ++it)
    acc = hash_children(it->hash, acc);
  return acc;
}

}  // namespace secu::audit::merkle
