// Bad input for every body of the identity operations: wrong types, missing required fields,
// unknown fields, invalid JSON, oversize. Each answers 400 (or 413) in the error format and
// writes nothing: the row counts of every identity table and the audit log stay as they were.
#include <catch2/catch.hpp>

#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

const char* const kTables[] = {"orgs",         "users",       "sessions",
                               "email_tokens", "idempotency", "audit_log"};

std::map<std::string, int64_t> counts(const Secud& s) {
  std::map<std::string, int64_t> out;
  for (const char* t : kTables)
    out[t] = row_count(s, t);
  return out;
}

struct Endpoint {
  const char* path;
  bool as_admin;  // send the platform admin's credentials
  json valid;     // a valid body (to derive the broken ones from)
  std::vector<std::string> required;
};

}  // namespace

TEST_CASE("bad bodies answer 400 or 413 and write nothing", "[auth][input]") {
  Secud s;
  auto owner = signup_account(s, "owner@input.test", "Input Org");
  const std::string pw = kTestPassword;
  const Endpoint endpoints[] = {
      {"/v1/auth/login",
       false,
       {{"email", "owner@input.test"}, {"password", pw}},
       {"email", "password"}},
      {"/v1/auth/signup",
       false,
       {{"email", "new@input.test"},
        {"password", pw},
        {"org_name", "N"},
        {"daily_budget_usd", 5},
        {"network", "base"},
        {"create_wallet", true},
        {"stripe_email", "b@input.test"},
        {"idempotency_key", "k"}},
       {"email", "password"}},
      {"/v1/auth/magic/start", false, {{"email", "owner@input.test"}}, {"email"}},
      {"/v1/auth/verify/start", false, json::object(), {}},
      {"/v1/auth/logout", false, json::object(), {}},
      {"/v1/orgs", true, {{"name", "New org"}}, {"name"}},
      {"/v1/users",
       true,
       {{"org_id", owner.org_id}, {"email", "u@input.test"}, {"password", pw}, {"role", "member"}},
       {"email", "password"}},
  };

  for (const auto& ep : endpoints) {
    // verify/start and logout act for the caller: the owner's session (a fresh one each
    // time, since a successful logout would end it). The rest as the admin or anonymous.
    auto headers = [&]() -> Headers {
      if (ep.as_admin) return {{"X-Secu-Admin-Token", s.admin_token()}};
      if (std::string(ep.path) == "/v1/auth/verify/start" ||
          std::string(ep.path) == "/v1/auth/logout")
        return bearer(login_token(s, owner.email));
      return {};
    };
    std::vector<std::pair<std::string, std::string>> bad;  // (what, body)
    bad.push_back({"invalid JSON", "{\"email\": "});
    bad.push_back({"not an object", "[1, 2]"});
    bad.push_back({"a string", "\"x\""});
    bad.push_back({"null", "null"});
    if (!ep.valid.empty() || !ep.required.empty()) bad.push_back({"empty body", ""});
    {
      auto b = ep.valid;
      b["surprise"] = 1;
      bad.push_back({"unknown field", b.dump()});
    }
    for (const auto& [k, v] : ep.valid.items()) {
      auto b = ep.valid;
      // The wrong type for each field: strings get a number, others a string.
      b[k] = v.is_string() ? json(42) : json("text");
      bad.push_back({"wrong type of " + k, b.dump()});
      auto o = ep.valid;
      o[k] = json::object();
      bad.push_back({"object for " + k, o.dump()});
    }
    for (const auto& k : ep.required) {
      auto b = ep.valid;
      b.erase(k);
      bad.push_back({"missing " + k, b.dump()});
      auto e = ep.valid;
      e[k] = "";
      bad.push_back({"empty " + k, e.dump()});
    }
    for (const auto& [what, body] : bad) {
      // Logins for the headers write sessions: take them before the counts.
      const auto h = headers();
      const auto before = counts(s);
      auto r = http(s.url(), "POST", ep.path, body, h);
      INFO(ep.path << ": " << what << " → " << r.status << " " << r.body);
      CHECK(r.status == 400);
      auto j = r.json();
      CHECK(j["error"]["code"].is_string());
      CHECK(j["error"]["request_id"].is_string());
      CHECK(counts(s) == before);
    }
    // Oversize: 413 before anything is parsed.
    const auto h = headers();
    const auto before = counts(s);
    json big = ep.valid;
    big["padding"] = std::string(1024 * 1024 + 10, 'x');
    auto r = http(s.url(), "POST", ep.path, big.dump(), h);
    INFO(ep.path << ": oversize → " << r.status);
    CHECK(r.status == 413);
    CHECK(r.json()["error"]["code"] == "payload_too_large");
    CHECK(counts(s) == before);
  }
}

TEST_CASE("bad query parameters of the lists answer 400", "[auth][input]") {
  Secud s;
  for (const char* q : {"/v1/users?limit=0", "/v1/users?limit=1001", "/v1/users?limit=abc",
                        "/v1/users?cursor=@@@", "/v1/orgs?limit=-1", "/v1/orgs?cursor=Zm9v"}) {
    INFO(q);
    auto r = admin(s, "GET", q);
    CHECK(r.status == 400);
  }
}
