#include "identity_helpers.hpp"

#include <stdexcept>

#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/db.hpp"

namespace secu::test {

namespace {
crypto::SigningKey daemon_key(const Secud& s) {
  if (!crypto::init().ok()) throw std::runtime_error("libsodium");
  std::string text = slurp(s.data_dir() + "/signing.key");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  auto seed = crypto::base64url_decode(text);
  if (!seed.ok()) throw std::runtime_error("signing.key is not base64url");
  auto key = crypto::signing_key_from_seed(*seed);
  if (!key.ok()) throw std::runtime_error("signing.key is not a seed");
  return std::move(key).value();
}
}  // namespace

SecudOptions with_args(std::vector<std::string> args) {
  SecudOptions o;
  o.args = std::move(args);
  return o;
}

Account signup_account(const Secud& s, const std::string& email, const std::string& org_name,
                       const std::string& password) {
  nlohmann::json body = {{"email", email}, {"password", password}};
  if (!org_name.empty()) body["org_name"] = org_name;
  auto r = http(s.url(), "POST", "/v1/auth/signup", body.dump());
  if (r.status != 200) throw std::runtime_error("signup " + email + ": " + r.body);
  auto j = r.json();
  return {j["token"], j["user"]["id"], j["org"]["id"], email, password, j["user"]["role"]};
}

Account add_user(const Secud& s, const std::string& org_id, const std::string& email,
                 const std::string& role, const std::string& password) {
  nlohmann::json body = {
      {"org_id", org_id}, {"email", email}, {"password", password}, {"role", role}};
  auto r = admin(s, "POST", "/v1/users", body.dump());
  if (r.status != 200) throw std::runtime_error("create user " + email + ": " + r.body);
  auto j = r.json();
  Account a{"", j["id"], org_id, email, password, role};
  a.token = login_token(s, email, password);
  if (a.token.empty()) throw std::runtime_error("login " + email + " failed");
  return a;
}

std::string login_token(const Secud& s, const std::string& email, const std::string& password) {
  auto r = http(s.url(), "POST", "/v1/auth/login",
                nlohmann::json{{"email", email}, {"password", password}}.dump());
  if (r.status != 200) return "";
  return r.json()["token"];
}

std::string forge_jwt(const Secud& s, const jwt::Claims& claims) {
  return jwt::sign(daemon_key(s), claims);
}

std::string reissue_jwt(const Secud& s, const std::string& live, int64_t iat_offset_s,
                        int64_t exp_offset_s) {
  const auto a = live.find('.'), b = live.rfind('.');
  const auto claims =
      nlohmann::json::parse(crypto::base64url_decode(live.substr(a + 1, b - a - 1)).value());
  jwt::Claims c;
  c.sub = claims["sub"];
  c.org_id = claims["org_id"];
  c.role = claims["role"];
  c.sid = claims["sid"];
  const int64_t now = now_ms() / 1000;
  c.iat = now + iat_offset_s;
  c.exp = now + exp_offset_s;
  return forge_jwt(s, c);
}

std::string forge_raw(const Secud& s, const std::string& header_json,
                      const std::string& payload_json) {
  const auto key = daemon_key(s);
  const std::string input =
      crypto::base64url_encode(header_json) + "." + crypto::base64url_encode(payload_json);
  return input + "." + crypto::base64url_encode(crypto::sign(key, input));
}

int64_t row_count(const Secud& s, const std::string& table, const std::string& where) {
  auto db = store::Db::open(s.data_dir() + "/secu.db", {.create = false});
  if (!db.ok()) throw std::runtime_error("cannot open secu.db: " + db.error().message);
  auto q = (*db)->query("SELECT COUNT(*) FROM " + table + (where.empty() ? "" : " WHERE " + where));
  if (!q.ok()) throw std::runtime_error("count " + table + ": " + q.error().message);
  auto row = q->step();
  if (!row.ok() || !*row) throw std::runtime_error("count " + table);
  return q->int64(0);
}

void exec_sql(const Secud& s, const std::string& sql) {
  auto db = store::Db::open(s.data_dir() + "/secu.db", {.create = false});
  if (!db.ok()) throw std::runtime_error("cannot open secu.db: " + db.error().message);
  if (auto st = (*db)->exec(sql); !st.ok()) throw std::runtime_error("exec: " + st.error().message);
}

std::string database_bytes(const Secud& s) {
  return slurp(s.data_dir() + "/secu.db") + slurp(s.data_dir() + "/secu.db-wal") +
         slurp(s.data_dir() + "/secu.db-shm");
}

}  // namespace secu::test
