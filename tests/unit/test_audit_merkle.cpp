// The Merkle maths against a straightforward recursive RFC 6962 computation written here, for
// every tree size 1..70, every inclusion proof and every consistency proof.
#include <catch2/catch.hpp>

#include "secu/audit/merkle.hpp"
#include "secu/crypto.hpp"

using namespace secu;
using namespace secu::audit;
using merkle::Hash;
using merkle::Proof;

namespace {

// ---- The reference: RFC 6962 §2.1 as written, recursion over the leaf data. ---------------
Hash ref_sha(const std::string& s) {
  return crypto::sha256(s);
}
int64_t ref_k(int64_t n) {
  int64_t k = 1;
  while (k * 2 < n)
    k *= 2;
  return k;
}
Hash ref_mth(const std::vector<std::string>& d, int64_t b, int64_t e) {
  if (e - b == 0) return ref_sha("");
  if (e - b == 1) return ref_sha(std::string(1, '\0') + d[static_cast<size_t>(b)]);
  const int64_t k = ref_k(e - b);
  return ref_sha(std::string(1, '\1') + ref_mth(d, b, b + k) + ref_mth(d, b + k, e));
}
Proof ref_path(int64_t m, const std::vector<std::string>& d, int64_t b, int64_t e) {
  if (e - b == 1) return {};
  const int64_t k = ref_k(e - b);
  Proof p;
  if (m < k) {
    p = ref_path(m, d, b, b + k);
    p.push_back(ref_mth(d, b + k, e));
  } else {
    p = ref_path(m - k, d, b + k, e);
    p.push_back(ref_mth(d, b, b + k));
  }
  return p;
}
Proof ref_subproof(int64_t m, const std::vector<std::string>& d, int64_t b, int64_t e, bool flag) {
  const int64_t n = e - b;
  if (m == n) return flag ? Proof{} : Proof{ref_mth(d, b, e)};
  const int64_t k = ref_k(n);
  Proof p;
  if (m <= k) {
    p = ref_subproof(m, d, b, b + k, flag);
    p.push_back(ref_mth(d, b + k, e));
  } else {
    p = ref_subproof(m - k, d, b + k, e, false);
    p.push_back(ref_mth(d, b, b + k));
  }
  return p;
}

// ---- What the code under test reads: complete subtrees built by CompactRange::push. -------
struct StoredNodes {
  std::map<std::pair<int, int64_t>, Hash> nodes;
  merkle::NodeReader reader() const {
    return [this](int level, int64_t idx) -> Result<Hash> {
      auto it = nodes.find({level, idx});
      if (it == nodes.end()) return Error::not_found("node");
      return it->second;
    };
  }
};

std::vector<std::string> make_leaves(int n) {
  std::vector<std::string> d;
  for (int i = 0; i < n; ++i)
    d.push_back("entry " + std::to_string(i));
  return d;
}

std::string hex(const Hash& h) {
  return crypto::hex_encode(h);
}

}  // namespace

TEST_CASE("merkle: known answers of RFC 6962 shapes", "[audit][merkle]") {
  REQUIRE(crypto::init().ok());
  CHECK(hex(merkle::empty_root()) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The leaf hash of the empty string (RFC 6962 test vectors, as in certificate-transparency-go).
  CHECK(hex(merkle::hash_leaf("")) ==
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  CHECK(merkle::split_point(2) == 1);
  CHECK(merkle::split_point(3) == 2);
  CHECK(merkle::split_point(4) == 2);
  CHECK(merkle::split_point(5) == 4);
  CHECK(merkle::split_point(1LL << 40) == 1LL << 39);
}

TEST_CASE("merkle: roots and proofs match the recursive reference for sizes 1..70",
          "[audit][merkle]") {
  REQUIRE(crypto::init().ok());
  const int kMax = 70;
  const auto d = make_leaves(kMax);
  StoredNodes st;
  merkle::CompactRange range;
  std::vector<Hash> roots{merkle::empty_root()};  // roots[n]
  for (int n = 1; n <= kMax; ++n) {
    range.push(merkle::hash_leaf(d[static_cast<size_t>(n - 1)]),
               [&](int level, int64_t idx, const Hash& h) {
                 // Each complete node is reported exactly once.
                 REQUIRE(st.nodes.emplace(std::make_pair(level, idx), h).second);
               });
    const Hash want = ref_mth(d, 0, n);
    REQUIRE(hex(range.root()) == hex(want));
    REQUIRE(hex(merkle::root(st.reader(), n).value()) == hex(want));
    roots.push_back(want);
  }
  CHECK(range.size() == kMax);

  for (int n = 1; n <= kMax; ++n) {
    CAPTURE(n);
    for (int m = 0; m < n; ++m) {
      CAPTURE(m);
      const Proof want = ref_path(m, d, 0, n);
      auto got = merkle::inclusion_proof(st.reader(), m, n);
      REQUIRE(got.ok());
      REQUIRE(*got == want);
      const Hash leaf = merkle::hash_leaf(d[static_cast<size_t>(m)]);
      REQUIRE(merkle::verify_inclusion(leaf, m, n, *got, roots[static_cast<size_t>(n)]));
      // Wrong leaf, index, size or root, or a damaged or shortened path, all fail.
      CHECK_FALSE(merkle::verify_inclusion(merkle::hash_leaf("x"), m, n, *got,
                                           roots[static_cast<size_t>(n)]));
      if (n > 1) {
        CHECK_FALSE(
            merkle::verify_inclusion(leaf, (m + 1) % n, n, *got, roots[static_cast<size_t>(n)]));
        auto bad = *got;
        bad[0][0] = static_cast<char>(bad[0][0] ^ 1);
        CHECK_FALSE(merkle::verify_inclusion(leaf, m, n, bad, roots[static_cast<size_t>(n)]));
        bad = *got;
        bad.pop_back();
        CHECK_FALSE(merkle::verify_inclusion(leaf, m, n, bad, roots[static_cast<size_t>(n)]));
        CHECK_FALSE(merkle::verify_inclusion(leaf, m, n, *got, roots[static_cast<size_t>(n - 1)]));
      }
    }
    for (int m = 0; m <= n; ++m) {
      CAPTURE(m);
      const Proof want = (m == 0 || m == n) ? Proof{} : ref_subproof(m, d, 0, n, true);
      auto got = merkle::consistency_proof(st.reader(), m, n);
      REQUIRE(got.ok());
      REQUIRE(*got == want);
      REQUIRE(merkle::verify_consistency(m, n, roots[static_cast<size_t>(m)],
                                         roots[static_cast<size_t>(n)], *got));
      if (m > 0 && m < n) {
        // A different old root (a rewritten prefix) or new root, or a damaged proof, fail.
        CHECK_FALSE(merkle::verify_consistency(m, n, merkle::hash_leaf("forged"),
                                               roots[static_cast<size_t>(n)], *got));
        CHECK_FALSE(merkle::verify_consistency(m, n, roots[static_cast<size_t>(m)],
                                               merkle::hash_leaf("forged"), *got));
        auto bad = *got;
        bad.back()[5] = static_cast<char>(bad.back()[5] ^ 0x40);
        CHECK_FALSE(merkle::verify_consistency(m, n, roots[static_cast<size_t>(m)],
                                               roots[static_cast<size_t>(n)], bad));
        CHECK_FALSE(merkle::verify_consistency(m, n, roots[static_cast<size_t>(m)],
                                               roots[static_cast<size_t>(n)], Proof{}));
        if (m + 1 < n) {
          CHECK_FALSE(merkle::verify_consistency(m + 1, n, roots[static_cast<size_t>(m)],
                                                 roots[static_cast<size_t>(n)], *got));
        }
      }
    }
  }
  // A rolled-back tree (same size, other root) is not consistent with the original.
  CHECK_FALSE(merkle::verify_consistency(5, 5, roots[5], roots[4], {}));
}

TEST_CASE("merkle: proofs need only O(log n) stored nodes", "[audit][merkle]") {
  REQUIRE(crypto::init().ok());
  const int64_t n = 1000003;
  // A synthetic tree: node hashes derived from their coordinates; we count reads only.
  int64_t reads = 0;
  merkle::NodeReader counting = [&](int level, int64_t idx) -> Result<Hash> {
    ++reads;
    REQUIRE(((idx + 1) << level) <= n);  // only complete subtrees are ever asked for
    return crypto::sha256(std::to_string(level) + "/" + std::to_string(idx));
  };
  for (int64_t m : {int64_t{0}, int64_t{1}, n / 2, n - 2, n - 1}) {
    reads = 0;
    REQUIRE(merkle::inclusion_proof(counting, m, n).ok());
    CHECK(reads <= 2 * 21);
    reads = 0;
    REQUIRE(merkle::consistency_proof(counting, m + 1, n).ok());
    CHECK(reads <= 2 * 21);
  }
  reads = 0;
  REQUIRE(merkle::root(counting, n).ok());
  CHECK(reads <= 21);
  CHECK_FALSE(merkle::inclusion_proof(counting, n, n).ok());
  CHECK_FALSE(merkle::consistency_proof(counting, n + 1, n).ok());
}
