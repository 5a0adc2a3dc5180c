#include <catch2/catch.hpp>
#include <thread>

#include "secu/db.hpp"
#include "secu/migrations.hpp"
#include "secu/store.hpp"
#include "support/fixture.hpp"

using namespace secu;
using namespace secu::store;

namespace {
Result<int64_t> count_rows(Db& db, const std::string& table) {
  SECU_TRY(auto q, db.query("SELECT COUNT(*) FROM " + table));
  SECU_TRY(bool row, q.step());
  if (!row) return Error::internal();
  return q.int64(0);
}
}  // namespace

TEST_CASE("migrations apply in order, record user_version, and are idempotent", "[store]") {
  test::TempDir tmp;
  auto db = Db::open(tmp.path() + "/m.db", {});
  REQUIRE(db.ok());
  const Migration list[] = {
      {1, "a", "CREATE TABLE a (x INTEGER);"},
      {2, "b", "CREATE TABLE b (y TEXT); INSERT INTO a VALUES (7);"},
  };
  auto v = migrate(**db, list);
  REQUIRE(v.ok());
  CHECK(*v == 2);
  CHECK((*db)->user_version().value() == 2);
  auto again = migrate(**db, list);
  REQUIRE(again.ok());
  CHECK(count_rows(**db, "a").value() == 1);  // migration 2 did not run twice
}

TEST_CASE("a migration appended to a lower block runs on an upgraded database", "[store]") {
  test::TempDir tmp;
  auto db = Db::open(tmp.path() + "/m.db", {});
  REQUIRE(db.ok());
  const Migration before[] = {
      {1, "a", "CREATE TABLE a (x INTEGER);"},
      {3, "c", "CREATE TABLE c (z INTEGER);"},
  };
  REQUIRE(migrate(**db, before).value() == 3);
  const Migration after[] = {
      {1, "a", "CREATE TABLE a (x INTEGER);"},
      {2, "b", "CREATE TABLE b (y TEXT);"},
      {3, "c", "CREATE TABLE c (z INTEGER);"},
  };
  REQUIRE(migrate(**db, after).value() == 3);
  CHECK(count_rows(**db, "b").value() == 0);  // b exists now
  CHECK(count_rows(**db, "schema_migrations").value() == 3);
  // A binary without migration 2 refuses the database, though user_version is not above it.
  auto older = migrate(**db, before);
  REQUIRE_FALSE(older.ok());
  CHECK(older.error().code == "schema_too_new");
}

TEST_CASE("a database from before schema_migrations keeps what it applied", "[store]") {
  test::TempDir tmp;
  auto db = Db::open(tmp.path() + "/m.db", {});
  REQUIRE(db.ok());
  // What the user_version-only scheme left: migrations 1 and 3 applied, user_version 3.
  REQUIRE((*db)
              ->exec("CREATE TABLE a (x INTEGER); CREATE TABLE c (z INTEGER); "
                     "PRAGMA user_version = 3")
              .ok());
  const Migration list[] = {
      {1, "a", "CREATE TABLE a (x INTEGER);"},
      {3, "c", "CREATE TABLE c (z INTEGER);"},
      {4, "d", "CREATE TABLE d (w INTEGER);"},
  };
  auto v = migrate(**db, list);  // 1 and 3 would fail if they ran again
  INFO((v.ok() ? std::string() : v.error().message));
  REQUIRE(v.ok());
  CHECK(*v == 4);
  CHECK(count_rows(**db, "d").value() == 0);
  CHECK(count_rows(**db, "schema_migrations").value() == 3);
}

TEST_CASE("a failing migration leaves the schema at the last whole version", "[store]") {
  test::TempDir tmp;
  auto db = Db::open(tmp.path() + "/m.db", {});
  REQUIRE(db.ok());
  const Migration list[] = {
      {1, "ok", "CREATE TABLE a (x INTEGER);"},
      {2, "broken", "CREATE TABLE b (y TEXT); INSERT INTO nowhere VALUES (1);"},
  };
  auto v = migrate(**db, list);
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().message.find("nowhere") == std::string::npos);  // no SQL text leaks
  CHECK((*db)->user_version().value() == 1);
  auto q = (*db)->query("SELECT name FROM sqlite_master WHERE name = 'b'");
  REQUIRE(q.ok());
  CHECK_FALSE(q->step().value());  // table b was rolled back with its migration
}

TEST_CASE("a database newer than the binary is refused", "[store]") {
  test::TempDir tmp;
  auto db = Db::open(tmp.path() + "/m.db", {});
  REQUIRE(db.ok());
  REQUIRE((*db)->exec("PRAGMA user_version = 99").ok());
  const Migration list[] = {{1, "a", "CREATE TABLE a (x INTEGER);"}};
  auto v = migrate(**db, list);
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().code == "schema_too_new");
}

TEST_CASE("transactions roll back unless committed", "[store]") {
  test::TempDir tmp;
  auto db = Db::open(tmp.path() + "/t.db", {});
  REQUIRE(db.ok());
  REQUIRE((*db)->exec("CREATE TABLE t (id TEXT PRIMARY KEY)").ok());
  {
    auto tx = Tx::begin(**db);
    REQUIRE(tx.ok());
    auto q = (*db)->query("INSERT INTO t VALUES (?1)");
    REQUIRE(q.ok());
    REQUIRE(q->bind(1, "a").run().ok());
  }  // no commit
  CHECK(count_rows(**db, "t").value() == 0);
  {
    auto tx = Tx::begin(**db);
    REQUIRE(tx.ok());
    auto q = (*db)->query("INSERT INTO t VALUES (?1)");
    REQUIRE(q.ok());
    REQUIRE(q->bind(1, "b").run().ok());
    REQUIRE(tx->commit().ok());
  }
  CHECK(count_rows(**db, "t").value() == 1);
}

TEST_CASE("constraint violations map to conflict without SQL text", "[store]") {
  test::TempDir tmp;
  auto db = Db::open(tmp.path() + "/c.db", {});
  REQUIRE(db.ok());
  REQUIRE((*db)->exec("CREATE TABLE t (id TEXT PRIMARY KEY)").ok());
  auto ins = [&](const std::string& id) {
    auto q = (*db)->query("INSERT INTO t VALUES (?1)");
    REQUIRE(q.ok());
    return q->bind(1, id).run();
  };
  REQUIRE(ins("x").ok());
  auto dup = ins("x");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().kind == ErrorKind::kConflict);
  CHECK(http_status(dup.error().kind) == 409);
  CHECK(dup.error().message.find("INSERT") == std::string::npos);
}

TEST_CASE("busy maps to unavailable (503)", "[store]") {
  test::TempDir tmp;
  auto a = Db::open(tmp.path() + "/b.db", {.busy_timeout_ms = 10});
  auto b = Db::open(tmp.path() + "/b.db", {.busy_timeout_ms = 10});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE((*a)->exec("CREATE TABLE t (x INTEGER)").ok());
  auto hold = Tx::begin(**a);  // BEGIN IMMEDIATE: the write lock
  REQUIRE(hold.ok());
  auto other = Tx::begin(**b);
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().kind == ErrorKind::kUnavailable);
  CHECK(http_status(other.error().kind) == 503);
}

TEST_CASE("store: a failing write job is rolled back alone, others of its batch commit",
          "[store]") {
  test::TempDir tmp;
  auto st = Store::open({.path = tmp.path() + "/s.db"});
  REQUIRE(st.ok());
  REQUIRE((*st)->write([](WriteTx& tx) { return tx.db.exec("CREATE TABLE t (x INTEGER)"); }).ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, failed{0};
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&, i] {
      auto r = (*st)->write([i](WriteTx& tx) -> Status {
        SECU_TRY(auto q, tx.db.query("INSERT INTO t VALUES (?1)"));
        SECU_TRY_VOID(q.bind(1, i).run());
        if (i % 4 == 0) return Error::invalid("rejected");  // after a write: must roll back
        return {};
      });
      (r.ok() ? ok : failed)++;
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(ok == 30);
  CHECK(failed == 10);
  int64_t rows = 0;
  REQUIRE((*st)
              ->read([&](Db& db) -> Status {
                SECU_TRY(rows, count_rows(db, "t"));
                return {};
              })
              .ok());
  CHECK(rows == 30);
}

TEST_CASE("store: after_commit hooks run only for committed jobs", "[store]") {
  test::TempDir tmp;
  auto st = Store::open({.path = tmp.path() + "/h.db"});
  REQUIRE(st.ok());
  int hooks = 0;
  REQUIRE((*st)
              ->write([&](WriteTx& tx) -> Status {
                tx.after_commit([&] { ++hooks; });
                return {};
              })
              .ok());
  REQUIRE_FALSE((*st)
                    ->write([&](WriteTx& tx) -> Status {
                      tx.after_commit([&] { ++hooks; });
                      return Error::invalid("no");
                    })
                    .ok());
  CHECK(hooks == 1);
}

TEST_CASE("store: writes after close answer unavailable", "[store]") {
  test::TempDir tmp;
  auto st = Store::open({.path = tmp.path() + "/c.db"});
  REQUIRE(st.ok());
  (*st)->close();
  auto r = (*st)->write([](WriteTx&) -> Status { return {}; });
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::kUnavailable);
  CHECK_FALSE((*st)->ready());
}
