// POST /v1/auth/signup against the real secud: what it creates, its answer, idempotency,
// conflicts and weak input.
#include <catch2/catch.hpp>

#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {
Response signup(const Secud& s, const json& body) {
  return http(s.url(), "POST", "/v1/auth/signup", body.dump());
}

// No null anywhere in an answer (the contract has no nullable fields).
bool has_null(const json& j) {
  if (j.is_null()) return true;
  if (j.is_structured())
    for (const auto& v : j)
      if (has_null(v)) return true;
  return false;
}
}  // namespace

TEST_CASE("signup creates the org, its owner and a session, and answers them", "[auth][signup]") {
  Secud s;
  auto r = signup(s, {{"email", "  Alice@Acme.TEST "},
                      {"password", kTestPassword},
                      {"org_name", "Acme Robotics"},
                      {"daily_budget_usd", 12.5},
                      {"stripe_email", "billing@acme.test"}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.header("Cache-Control") == "no-store");
  auto j = r.json();
  CHECK_FALSE(has_null(j));
  CHECK(j["token"].get<std::string>().rfind("eyJ", 0) == 0);
  CHECK(j["expires_at"].get<std::string>().back() == 'Z');
  CHECK(j["user"]["email"] == "alice@acme.test");  // normalised
  CHECK(j["user"]["role"] == "owner");
  CHECK(j["user"]["email_verified"] == false);
  CHECK_FALSE(j["user"].contains("email_verified_at"));
  CHECK(j["user"]["id"].get<std::string>().rfind("usr_", 0) == 0);
  CHECK(j["user"]["org_id"] == j["org"]["id"]);
  CHECK_FALSE(j["user"].contains("password_hash"));
  CHECK(j["org"]["name"] == "Acme Robotics");
  CHECK(j["org"]["id"].get<std::string>().rfind("org_", 0) == 0);
  CHECK(j["org"]["default_daily_budget_usd"] == 12.5);
  CHECK(j["org"]["stripe_email"] == "billing@acme.test");
  // Email is disabled in this daemon: the verification token is in the answer.
  CHECK(j["verification_token"].is_string());
  CHECK_FALSE(j.contains("wallet"));  // none asked for

  // The token works at once, as the owner of the new org.
  auto me = http(s.url(), "GET", "/v1/auth/me", {}, bearer(j["token"]));
  REQUIRE(me.status == 200);
  CHECK(me.json()["type"] == "user");
  CHECK(me.json()["role"] == "owner");
  CHECK(me.json()["user"]["id"] == j["user"]["id"]);
  CHECK(me.json()["org"]["name"] == "Acme Robotics");

  // The rows and one audit entry, written together.
  CHECK(row_count(s, "orgs") == 1);
  CHECK(row_count(s, "users") == 1);
  CHECK(row_count(s, "sessions") == 1);
  CHECK(row_count(s, "email_tokens", "kind = 'verify'") == 1);
  CHECK(row_count(s, "audit_log", "action = 'auth.signup'") == 1);
}

TEST_CASE("signup derives the org name from the email when none is given", "[auth][signup]") {
  Secud s;
  auto company = signup(s, {{"email", "ops@widgets.test"}, {"password", kTestPassword}});
  REQUIRE(company.status == 200);
  CHECK(company.json()["org"]["name"] == "widgets.test");
  auto person = signup(s, {{"email", "bob@gmail.com"}, {"password", kTestPassword}});
  REQUIRE(person.status == 200);
  CHECK(person.json()["org"]["name"] == "bob's org");
}

TEST_CASE("signup with create_wallet makes the org's wallet on its network and says so",
          "[auth][signup][ledger]") {
  Secud s;
  auto r = signup(s, {{"email", "w@wallets.test"},
                      {"password", kTestPassword},
                      {"network", "base-sepolia"},
                      {"create_wallet", true}});
  REQUIRE(r.status == 200);
  auto w = r.json()["wallet"];
  CHECK(w["created"] == true);
  CHECK(w["network"] == "base-sepolia");
  CHECK(w["owner_type"] == "org");
  CHECK(w["owner_id"] == r.json()["org"]["id"]);
  CHECK(w["currency"] == "usd");
  CHECK(w["balance"] == 0);
  CHECK(w["id"].get<std::string>().rfind("wal_", 0) == 0);
  CHECK(row_count(s, "orgs", "network = 'base-sepolia' AND create_wallet = 1") == 1);
  CHECK(row_count(s, "ledger_accounts", "owner_type = 'org' AND network = 'base-sepolia'") == 1);
  // The owner sees it with its balance.
  auto mine = http(s.url(), "GET", "/v1/ledger/wallets/" + w["id"].get<std::string>(), "",
                   bearer(r.json()["token"].get<std::string>()));
  CHECK(mine.status == 200);

  // A network without create_wallet: kept on the org, no wallet, said plainly.
  auto n =
      signup(s, {{"email", "n@wallets.test"}, {"password", kTestPassword}, {"network", "base"}});
  REQUIRE(n.status == 200);
  CHECK(n.json()["wallet"]["created"] == false);
  CHECK(n.json()["wallet"]["network"] == "base");
  CHECK(row_count(s, "ledger_accounts", "owner_type = 'org'") == 1);
}

TEST_CASE("signup with an idempotency key answers a retry with the first answer",
          "[auth][signup][idempotency]") {
  Secud s;
  const json body = {
      {"email", "idem@acme.test"}, {"password", kTestPassword}, {"idempotency_key", "signup-7f3a"}};
  auto first = signup(s, body);
  REQUIRE(first.status == 200);
  CHECK(first.header("Idempotent-Replayed").empty());
  // Same key, same body (keys in another order: the same JSON) → the same answer, replayed.
  const std::string reordered = R"({"idempotency_key":"signup-7f3a","password":")" +
                                std::string(kTestPassword) + R"(","email":"idem@acme.test"})";
  auto again = http(s.url(), "POST", "/v1/auth/signup", reordered);
  REQUIRE(again.status == 200);
  CHECK(again.header("Idempotent-Replayed") == "true");
  CHECK(again.json() == first.json());
  CHECK(row_count(s, "orgs") == 1);
  CHECK(row_count(s, "users") == 1);
  CHECK(row_count(s, "audit_log", "action = 'auth.signup'") == 1);
  // The replayed token is the live session it was the first time.
  CHECK(http(s.url(), "GET", "/v1/auth/me", {}, bearer(again.json()["token"])).status == 200);

  // Same key, other body → 409, nothing written.
  auto other = signup(s, {{"email", "idem2@acme.test"},
                          {"password", kTestPassword},
                          {"idempotency_key", "signup-7f3a"}});
  REQUIRE(other.status == 409);
  CHECK(other.json()["error"]["code"] == "idempotency_conflict");
  CHECK(row_count(s, "users") == 1);

  // The stored answer is sealed: the database does not hold the token it carries.
  CHECK(database_bytes(s).find(first.json()["token"].get<std::string>()) == std::string::npos);
}

TEST_CASE("signup with a taken email answers 409 and writes nothing", "[auth][signup]") {
  Secud s;
  REQUIRE(signup(s, {{"email", "taken@acme.test"}, {"password", kTestPassword}}).status == 200);
  const auto audit_before = row_count(s, "audit_log");
  auto r = signup(s, {{"email", "TAKEN@acme.test"}, {"password", "another password 123"}});
  REQUIRE(r.status == 409);
  CHECK(r.json()["error"]["code"] == "email_taken");
  CHECK(row_count(s, "orgs") == 1);
  CHECK(row_count(s, "users") == 1);
  CHECK(row_count(s, "sessions") == 1);
  CHECK(row_count(s, "audit_log") == audit_before);
}

TEST_CASE("signup rejects weak input with 400 and the field", "[auth][signup][input]") {
  Secud s;
  struct Case {
    json body;
    const char* field;
  };
  const Case cases[] = {
      {{{"email", "not-an-email"}, {"password", kTestPassword}}, "email"},
      {{{"email", "a@b"}, {"password", kTestPassword}}, "email"},
      {{{"email", "a b@c.test"}, {"password", kTestPassword}}, "email"},
      {{{"email", "a@c.test"}, {"password", "short"}}, "password"},
      {{{"email", "a@c.test"}, {"password", "nine char"}}, "password"},
      {{{"email", "a@c.test"}, {"password", kTestPassword}, {"org_name", "   "}}, "org_name"},
      {{{"email", "a@c.test"}, {"password", kTestPassword}, {"stripe_email", "nope"}},
       "stripe_email"},
      {{{"email", "a@c.test"}, {"password", kTestPassword}, {"daily_budget_usd", -1}},
       "daily_budget_usd"},
      {{{"email", "a@c.test"}, {"password", kTestPassword}, {"redirect_url", "https://evil.test"}},
       "redirect_url"},
  };
  for (const auto& c : cases) {
    INFO(c.body.dump());
    auto r = signup(s, c.body);
    REQUIRE(r.status == 400);
    CHECK(r.json()["error"]["field"] == c.field);
  }
  CHECK(row_count(s, "orgs") == 0);
  CHECK(row_count(s, "users") == 0);
  CHECK(row_count(s, "audit_log") == 0);
}
