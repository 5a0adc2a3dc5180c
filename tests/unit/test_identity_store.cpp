// The identity repositories on a real database: orgs, users, sessions, email tokens,
// idempotency records.
#include <catch2/catch.hpp>

#include "secu/store.hpp"
#include "secu/store/email_tokens.hpp"
#include "secu/store/idempotency.hpp"
#include "secu/store/orgs.hpp"
#include "secu/store/sessions.hpp"
#include "secu/store/users.hpp"
#include "support/fixture.hpp"

using namespace secu;
using namespace secu::store;

namespace {
struct TestStore {
  test::TempDir tmp;
  std::unique_ptr<Store> st;
  TestStore() {
    auto s = Store::open({.path = tmp.path() + "/t.db"});
    REQUIRE(s.ok());
    st = std::move(s).value();
  }
  Status w(const std::function<Status(store::Db&)>& fn) {
    return st->write([&](WriteTx& tx) { return fn(tx.db); });
  }
};

PageRequest page(int64_t limit, std::optional<int64_t> before_at = {},
                 std::optional<std::string> before_id = {}) {
  PageRequest p;
  p.limit = limit;
  p.before_created_at = before_at;
  p.before_id = before_id;
  return p;
}

OrgRow org(const std::string& id, int64_t at) {
  OrgRow o;
  o.id = id;
  o.name = "Org " + id;
  o.created_at = at;
  return o;
}

UserRow user(const std::string& id, const std::string& org_id, const std::string& email,
             int64_t at) {
  UserRow u;
  u.id = id;
  u.org_id = org_id;
  u.email = email;
  u.password_hash = "$argon2id$fake";
  u.role = "member";
  u.created_at = at;
  return u;
}
}  // namespace

TEST_CASE("orgs and users insert, read back whole, and page newest first", "[identity][store]") {
  TestStore d;
  REQUIRE(d.w([](store::Db& db) -> Status {
             auto o = org("org_a", 1);
             o.default_daily_budget_micros = 25'000'000;
             o.stripe_email = "billing@a.test";
             o.network = "base";
             o.create_wallet = true;
             SECU_TRY_VOID(insert_org(db, o));
             SECU_TRY_VOID(insert_org(db, org("org_b", 2)));
             SECU_TRY_VOID(insert_org(db, org("org_c", 2)));
             for (int i = 0; i < 5; ++i) {
               SECU_TRY_VOID(
                   insert_user(db, user("usr_" + std::to_string(i), i < 3 ? "org_a" : "org_b",
                                        "u" + std::to_string(i) + "@a.test", 10 + i)));
             }
             return {};
           }).ok());
  REQUIRE(d.st->read([](store::Db& db) -> Status {
                auto o = get_org(db, "org_a");
                REQUIRE(o.ok());
                REQUIRE(o->has_value());
                CHECK((*o)->default_daily_budget_micros == 25'000'000);
                CHECK((*o)->stripe_email == "billing@a.test");
                CHECK((*o)->network == "base");
                CHECK((*o)->create_wallet);
                CHECK_FALSE(get_org(db, "org_zz")->has_value());

                auto all = list_orgs(db, page(2));
                REQUIRE(all.ok());
                REQUIRE(all->size() == 3);  // limit + 1
                CHECK((*all)[0].id == "org_c");
                CHECK((*all)[1].id == "org_b");
                const auto next = page(2, 2, std::string("org_b"));
                auto rest = list_orgs(db, next);
                REQUIRE(rest->size() == 1);
                CHECK((*rest)[0].id == "org_a");

                auto in_a = list_users(db, "org_a", page(100));
                REQUIRE(in_a->size() == 3);
                CHECK((*in_a)[0].id == "usr_2");
                CHECK(list_users(db, "", page(100))->size() == 5);
                auto u = find_user_by_email(db, "u1@a.test");
                REQUIRE(u->has_value());
                CHECK((*u)->password_hash == "$argon2id$fake");
                CHECK_FALSE((*u)->email_verified);
                return {};
              })
              .ok());
}

TEST_CASE("a taken email is a conflict, and verification keeps its first time",
          "[identity][store]") {
  TestStore d;
  REQUIRE(d.w([](store::Db& db) -> Status {
             SECU_TRY_VOID(insert_org(db, org("org_a", 1)));
             return insert_user(db, user("usr_1", "org_a", "a@a.test", 1));
           }).ok());
  auto dup =
      d.w([](store::Db& db) { return insert_user(db, user("usr_2", "org_a", "a@a.test", 2)); });
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == "email_taken");
  CHECK(dup.error().kind == ErrorKind::kConflict);
  REQUIRE(d.w([](store::Db& db) -> Status {
             SECU_TRY_VOID(set_user_email_verified(db, "usr_1", 100));
             SECU_TRY_VOID(set_user_email_verified(db, "usr_1", 200));
             return set_user_last_login(db, "usr_1", 300);
           }).ok());
  REQUIRE(d.st->read([](store::Db& db) -> Status {
                auto u = get_user(db, "usr_1");
                CHECK((*u)->email_verified);
                CHECK((*u)->email_verified_at == 100);
                CHECK((*u)->last_login_at == 300);
                return {};
              })
              .ok());
}

TEST_CASE("sessions revoke once", "[identity][store]") {
  TestStore d;
  REQUIRE(d.w([](store::Db& db) -> Status {
             SECU_TRY_VOID(insert_org(db, org("org_a", 1)));
             SECU_TRY_VOID(insert_user(db, user("usr_1", "org_a", "a@a.test", 1)));
             return insert_session(db, {"ses_1", "usr_1", "org_a", 1, 1000, std::nullopt});
           }).ok());
  bool first = false, second = true;
  REQUIRE(d.w([&](store::Db& db) -> Status {
             SECU_TRY(first, revoke_session(db, "ses_1", 5));
             SECU_TRY(second, revoke_session(db, "ses_1", 6));
             return {};
           }).ok());
  CHECK(first);
  CHECK_FALSE(second);
  REQUIRE(d.st->read([](store::Db& db) -> Status {
                auto s = get_session(db, "ses_1");
                CHECK((*s)->revoked_at == 5);
                CHECK_FALSE(get_session(db, "ses_x")->has_value());
                return {};
              })
              .ok());
}

TEST_CASE("email tokens are consumed once, before expiry, for their kind only",
          "[identity][store]") {
  TestStore d;
  REQUIRE(d.w([](store::Db& db) -> Status {
             SECU_TRY_VOID(insert_org(db, org("org_a", 1)));
             SECU_TRY_VOID(insert_user(db, user("usr_1", "org_a", "a@a.test", 1)));
             SECU_TRY_VOID(insert_email_token(
                 db, {"b2:magic", "magic", "usr_1", std::string("https://x.test"), 1, 1000, {}}));
             return insert_email_token(db, {"b2:verify", "verify", "usr_1", {}, 1, 1000, {}});
           }).ok());
  auto consume = [&](const std::string& h, const std::string& kind, int64_t now) {
    std::optional<EmailTokenRow> got;
    REQUIRE(d.w([&](store::Db& db) -> Status {
               SECU_TRY(got, consume_email_token(db, h, kind, now));
               return {};
             }).ok());
    return got;
  };
  CHECK_FALSE(consume("b2:magic", "verify", 10).has_value());   // wrong kind
  CHECK_FALSE(consume("b2:magic", "magic", 1000).has_value());  // expired (at expiry)
  auto ok = consume("b2:magic", "magic", 999);
  REQUIRE(ok.has_value());
  CHECK(ok->user_id == "usr_1");
  CHECK(ok->redirect_url == "https://x.test");
  CHECK(ok->used_at == 999);
  CHECK_FALSE(consume("b2:magic", "magic", 999).has_value());  // used
  CHECK_FALSE(consume("b2:nope", "magic", 5).has_value());
  CHECK(consume("b2:verify", "verify", 5).has_value());
}

TEST_CASE("idempotency records round-trip and expire", "[identity][store]") {
  TestStore d;
  REQUIRE(d.w([](store::Db& db) -> Status {
             return insert_idempotency(db, {"signup", "k1", "b2:h", 200, "sealed", 100});
           }).ok());
  auto dup = d.w([](store::Db& db) {
    return insert_idempotency(db, {"signup", "k1", "b2:h2", 200, "x", 101});
  });
  CHECK_FALSE(dup.ok());
  REQUIRE(d.st->read([](store::Db& db) -> Status {
                auto r = get_idempotency(db, "signup", "k1");
                REQUIRE(r->has_value());
                CHECK((*r)->body_hash == "b2:h");
                CHECK((*r)->response == "sealed");
                CHECK_FALSE(get_idempotency(db, "other", "k1")->has_value());
                return {};
              })
              .ok());
  REQUIRE(d.w([](store::Db& db) { return delete_idempotency_before(db, 101); }).ok());
  REQUIRE(d.st->read([](store::Db& db) -> Status {
                CHECK_FALSE(get_idempotency(db, "signup", "k1")->has_value());
                return {};
              })
              .ok());
}
