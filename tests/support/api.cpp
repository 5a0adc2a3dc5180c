#include "support/api.hpp"

#include <catch2/catch.hpp>

#include "secu/db.hpp"

namespace secu::test {

std::string created_id(const Response& r) {
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.json().at("id").get<std::string>();
}

std::string make_org(const Secud& s, const std::string& name) {
  return created_id(admin(s, "POST", "/v1/orgs", nlohmann::json{{"name", name}}.dump()));
}

std::string make_user_token(const Secud& s, const std::string& org_id, const std::string& role,
                            const std::string& email) {
  const std::string password = "correct-horse-battery";
  auto u = admin(
      s, "POST", "/v1/users",
      nlohmann::json{{"org_id", org_id}, {"email", email}, {"password", password}, {"role", role}}
          .dump());
  INFO(u.body);
  REQUIRE(u.status == 200);
  auto login = http(s.url(), "POST", "/v1/auth/login",
                    nlohmann::json{{"email", email}, {"password", password}}.dump());
  INFO(login.body);
  REQUIRE(login.status == 200);
  return login.json().at("token").get<std::string>();
}

int64_t count_rows(const Secud& s, const std::string& table) {
  auto db = store::Db::open(s.data_dir() + "/secu.db", {.create = false, .read_only = true});
  REQUIRE(db.ok());
  auto q = (*db)->query("SELECT COUNT(*) FROM " + table);
  REQUIRE(q.ok());
  auto row = q->step();
  REQUIRE(row.ok());
  return q->int64(0);
}

}  // namespace secu::test
