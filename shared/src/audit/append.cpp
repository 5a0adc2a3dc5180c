#include <algorithm>

#include "secu/audit.hpp"
#include "secu/clock.hpp"
#include "secu/crypto.hpp"

namespace secu::audit {

const char* const kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

std::string canonical_json(int64_t seq, int64_t ts, const Entry& e) {
  // nlohmann::json objects are std::map-backed: keys come out sorted, so dump() is canonical
  // for the shapes we store (strings, integers, booleans, nested objects/arrays).
  nlohmann::json j = {
      {"seq", seq},           {"ts", format_rfc3339(ts)},
      {"org_id", e.org_id},   {"actor", {{"type", e.actor.type}, {"id", e.actor.id}}},
      {"action", e.action},   {"target", e.target},
      {"details", e.details}, {"request_id", e.request_id},
  };
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string chain_hash(const std::string& prev_hex, const std::string& canonical) {
  auto prev = crypto::hex_decode(prev_hex);
  crypto::Sha256 h;
  h.update(prev.ok() ? *prev : std::string(32, '\0'));
  h.update(canonical);
  return crypto::hex_encode(h.finish());
}

std::string leaf_hash(const std::string& canonical) {
  crypto::Sha256 h;
  h.update(std::string_view("\0", 1));
  h.update(canonical);
  return h.finish();
}

namespace {
bool secret_key(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static constexpr std::string_view kWords[] = {"password", "token",   "secret",
                                                "api_key",  "apikey",  "authorization",
                                                "cookie",   "private", "credential"};
  for (auto w : kWords)
    if (key.find(w) != std::string::npos) return true;
  return key == "key";
}
}  // namespace

nlohmann::json redact(const nlohmann::json& d) {
  if (d.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : d.items()) {
      out[k] = secret_key(k) && !v.is_boolean() ? nlohmann::json("[redacted]") : redact(v);
    }
    return out;
  }
  if (d.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : d)
      out.push_back(redact(v));
    return out;
  }
  return d;
}

Result<Appended> append(store::WriteTx& tx, const Entry& in) {
  Entry e = in;
  e.details = redact(in.details.is_null() ? nlohmann::json::object() : in.details);
  // The head is read inside this transaction: the writer is the only appender, and a
  // rolled-back job leaves no stale in-memory head behind (there is none).
  int64_t seq = 1;
  std::string prev = kGenesisHash;
  {
    SECU_TRY(auto q, tx.db.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
    SECU_TRY(bool row, q.step());
    if (row) {
      seq = q.int64(0) + 1;
      prev = q.text(1);
    }
  }
  const int64_t ts = now_ms();
  const std::string canonical = canonical_json(seq, ts, e);
  const std::string hash = chain_hash(prev, canonical);
  SECU_TRY(auto ins,
           tx.db.query("INSERT INTO audit_log (seq, ts, org_id, actor_type, actor_id, action, "
                       "target, details, request_id, prev_hash, hash) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  ins.bind_all(seq, ts, e.org_id, e.actor.type, e.actor.id, e.action, e.target,
               e.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
               e.request_id, prev, hash);
  SECU_TRY_VOID(ins.run());
  return Appended{seq, hash};
}

}  // namespace secu::audit
