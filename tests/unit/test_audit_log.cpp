// The audit log on the store: the chain and the tree written by append, checkpoints, proofs
// from stored subtrees, verify_log against edits, deletions, reorders and truncations, and
// fail-closed writes.
#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "audit_fixture.hpp"
#include "secu/audit/verify.hpp"
#include "secu/store/audit_log.hpp"
#include "secu/store/audit_merkle.hpp"

using namespace secu;
using namespace secu::test;
using namespace secu::audit;

namespace {

int64_t scalar(store::Store& st, const std::string& sql) {
  int64_t v = -1;
  REQUIRE(st.read([&](store::Db& db) -> Status {
              SECU_TRY(auto q, db.query(sql));
              SECU_TRY(bool row, q.step());
              if (row) v = q.int64(0);
              return {};
            }).ok());
  return v;
}

audit::VerifyReport verify(AuditStore& a) {
  auto r = audit::verify_log(*a.st, a.signer.note_key());
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("audit log: append writes the chain and every complete subtree", "[audit]") {
  AuditStore a;
  a.append(37);
  CHECK(scalar(*a.st, "SELECT COUNT(*) FROM audit_log") == 37);
  // 37 leaves: complete nodes are 37 + 18 + 9 + 4 + 2 + 1 = 71.
  CHECK(scalar(*a.st, "SELECT COUNT(*) FROM audit_merkle") == 71);
  CHECK(scalar(*a.st, "SELECT COUNT(*) FROM audit_merkle WHERE level = 5") == 1);

  // The root from stored subtrees equals the root rebuilt from the rows.
  const auto rep = verify(a);
  CHECK(rep.ok);
  CHECK(rep.entries == 37);
  merkle::Hash stored_root;
  REQUIRE(a.st->read([&](store::Db& db) -> Status {
                SECU_TRY(stored_root, audit::tree_root(db, 37));
                return {};
              })
              .ok());
  CHECK(stored_root == rep.root);
  CHECK(rep.head_hash.size() == 64);
}

TEST_CASE("audit log: checkpoints are signed notes, one per size, only when the tree grew",
          "[audit]") {
  AuditStore a;
  const auto empty = a.checkpoint();
  CHECK(empty.checkpoint.size == 0);
  CHECK(empty.checkpoint.root == merkle::empty_root());
  a.append(5);
  const auto c5 = a.checkpoint();
  CHECK(c5.checkpoint.size == 5);
  CHECK(a.checkpoint().note == c5.note);  // no growth, no new signature
  CHECK(scalar(*a.st, "SELECT COUNT(*) FROM audit_checkpoints") == 2);
  auto opened = audit::open_checkpoint(c5.note, a.signer.note_key());
  REQUIRE(opened.ok());
  CHECK(opened->origin == a.signer.origin);
  CHECK(opened->origin.rfind("secud/", 0) == 0);
  CHECK(opened->size == 5);
  // The origin is stable: a second signer of the same store gets the same one.
  auto again = audit::make_signer(*a.st, a.key);
  REQUIRE(again.ok());
  CHECK(again->origin == a.signer.origin);

  a.append(20);
  const auto c25 = a.checkpoint();
  REQUIRE(c25.checkpoint.size == 25);
  // Inclusion and consistency proofs from the store verify against the signed roots.
  REQUIRE(
      a.st->read([&](store::Db& db) -> Status {
            for (int64_t seq = 1; seq <= 25; ++seq) {
              SECU_TRY(auto proof, audit::prove_inclusion(db, seq, 25));
              SECU_TRY(auto leaf, store::merkle_node(db, 0, seq - 1));
              CHECK(merkle::verify_inclusion(*leaf, seq - 1, 25, proof, c25.checkpoint.root));
            }
            SECU_TRY(auto cons, audit::prove_consistency(db, 5, 25));
            CHECK(merkle::verify_consistency(5, 25, c5.checkpoint.root, c25.checkpoint.root, cons));
            CHECK_FALSE(audit::prove_inclusion(db, 26, 25).ok());
            CHECK_FALSE(audit::prove_inclusion(db, 1, 26).ok());
            CHECK_FALSE(audit::prove_consistency(db, 6, 5).ok());
            return {};
          })
          .ok());
}

TEST_CASE("audit log: the checkpointer signs in the background and stops cleanly", "[audit]") {
  AuditStore a;
  audit::Checkpointer cp(*a.st, a.key, std::chrono::milliseconds(20));
  REQUIRE(cp.start().ok());
  a.append(3);
  for (int i = 0; i < 200 && scalar(*a.st, "SELECT MAX(size) FROM audit_checkpoints") != 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(scalar(*a.st, "SELECT MAX(size) FROM audit_checkpoints") == 3);
  const auto n = scalar(*a.st, "SELECT COUNT(*) FROM audit_checkpoints");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(scalar(*a.st, "SELECT COUNT(*) FROM audit_checkpoints") == n);  // idle: no new ones
  cp.stop();
  cp.stop();  // harmless twice
}

TEST_CASE("audit log: verify names the first bad seq of every kind of tampering", "[audit]") {
  AuditStore a;
  a.append(40);
  a.checkpoint();  // size 40 signed
  REQUIRE(verify(a).ok);

  struct Case {
    const char* name;
    const char* sql;
    int64_t first_bad;
    const char* reason;
  };
  const Case cases[] = {
      {"edit a field", "UPDATE audit_log SET target = 'agt_evil' WHERE seq = 17", 17,
       "hash_mismatch"},
      {"edit details", "UPDATE audit_log SET details = '{\"n\":0}' WHERE seq = 3", 3,
       "hash_mismatch"},
      {"edit and rehash one row", "UPDATE audit_log SET hash = prev_hash WHERE seq = 9", 9,
       "hash_mismatch"},
      {"delete a row", "DELETE FROM audit_log WHERE seq = 22", 22, "missing_entry"},
      {"reorder two rows",
       "UPDATE audit_log SET seq = -1 WHERE seq = 30; UPDATE audit_log SET seq = 30 WHERE seq = "
       "31; UPDATE audit_log SET seq = 31 WHERE seq = -1;",
       30, "prev_hash_mismatch"},
      {"truncate the tail", "DELETE FROM audit_log WHERE seq > 35", 36, "truncated"},
      {"truncate log and tree",
       "DELETE FROM audit_log WHERE seq > 35; DELETE FROM audit_merkle WHERE (idx + 1) * (1 << "
       "level) > 35",
       36, "truncated"},
      {"edit a stored leaf",
       "UPDATE audit_merkle SET hash = zeroblob(32) WHERE level = 0 AND idx = 4", 5,
       "tree_mismatch"},
      {"forge a checkpoint root",
       "UPDATE audit_checkpoints SET root = zeroblob(32) WHERE size = 40", 1,
       "checkpoint_mismatch"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      a.tamper(c.sql);
      const auto rep = verify(a);
      CHECK_FALSE(rep.ok);
      CHECK(rep.first_bad_seq == c.first_bad);
      CHECK(rep.reason == c.reason);
    }
  }
}

TEST_CASE("audit log: a chain rewritten consistently is caught by the signed checkpoints",
          "[audit]") {
  AuditStore a;
  a.append(10);
  a.checkpoint();  // size 10
  // A fork sharing the first 10 entries: a copy of the database that goes on differently.
  AuditStore b(/*open_now=*/false);
  a.close();
  std::filesystem::copy_file(a.path(), b.path());
  a.open();
  b.open();
  b.append(10);
  b.close();
  a.append(10);
  a.checkpoint();  // size 20
  // Replace our log and tree with the fork's: chain and tree are internally consistent, as if
  // rewritten by someone with the database but without the signing key.
  a.tamper("ATTACH DATABASE '" + b.path() +
           "' AS b; DELETE FROM audit_log; DELETE FROM audit_merkle; "
           "INSERT INTO audit_log SELECT * FROM b.audit_log; "
           "INSERT INTO audit_merkle SELECT * FROM b.audit_merkle;");
  const auto rep = verify(a);
  CHECK_FALSE(rep.ok);
  CHECK(rep.reason == "checkpoint_mismatch");
  CHECK(rep.first_bad_seq == 11);  // the first seq after the last checkpoint that still holds
}

TEST_CASE("audit log: a write whose audit append fails does not happen (fail closed)", "[audit]") {
  AuditStore a;
  a.append(4);
  // A leaf that already exists for the next seq (the tree has entries the log lost): the
  // append fails, and the change made in the same job is rolled back with it.
  a.tamper("INSERT INTO audit_merkle (level, idx, hash) VALUES (0, 4, zeroblob(32))");
  auto st = a.st->write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(auto q, tx.db.query("INSERT INTO meta (key, value) VALUES ('change', 'made')"));
    SECU_TRY_VOID(q.run());
    audit::Entry e;
    e.action = "test.change";
    e.actor = {"system", "test"};
    SECU_TRY_VOID(audit::append(tx, e));
    return {};
  });
  CHECK_FALSE(st.ok());
  CHECK(scalar(*a.st, "SELECT COUNT(*) FROM meta WHERE key = 'change'") == 0);
  CHECK(scalar(*a.st, "SELECT COUNT(*) FROM audit_log") == 4);

  // Same with the audit table unusable altogether.
  a.tamper(
      "DELETE FROM audit_merkle WHERE level = 0 AND idx = 4; "
      "ALTER TABLE audit_log RENAME TO audit_log_gone");
  st = a.st->write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(auto q, tx.db.query("INSERT INTO meta (key, value) VALUES ('change', 'made')"));
    SECU_TRY_VOID(q.run());
    SECU_TRY_VOID(audit::append(tx, audit::Entry{}));
    return {};
  });
  CHECK_FALSE(st.ok());
  CHECK(scalar(*a.st, "SELECT COUNT(*) FROM meta WHERE key = 'change'") == 0);

  // Other jobs of the same batch are unaffected, and a repaired log takes writes again.
  a.tamper("ALTER TABLE audit_log_gone RENAME TO audit_log");
  a.append(1);
  CHECK(verify(a).ok);
}
