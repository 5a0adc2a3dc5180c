#include <algorithm>

#include "secu/audit.hpp"
#include "secu/audit/merkle.hpp"
#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/metrics.hpp"
#include "secu/store/audit_log.hpp"
#include "secu/store/audit_merkle.hpp"

namespace secu::audit {

const char* const kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

void append_json_string(std::string& out, std::string_view s) {
  // Mirrors nlohmann's serializer::dump_escaped with ensure_ascii = false: the short escapes,
  // \u00xx (lowercase) for other control characters, everything else verbatim. Non-ASCII text
  // goes through nlohmann itself, so invalid UTF-8 gets exactly its U+FFFD replacement.
  // Runs of characters that need no escape are appended in one go: verify and export call
  // this for every field of every entry, and a push_back per character dominated their profile.
  static constexpr char kHex[] = "0123456789abcdef";
  const char* p = s.data();
  const size_t n = s.size();
  bool plain = true;  // no byte needs an escape
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x80) {
      out += nlohmann::json(std::string(s))
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
    if (c < 0x20 || c == '"' || c == '\\') plain = false;
  }
  out.push_back('"');
  if (plain) {
    out.append(p, n);
    out.push_back('"');
    return;
  }
  size_t run = 0;  // start of the pending run of plain characters
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(p + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(p + run, n - run);
  out.push_back('"');
}

std::string canonical_json(const CanonicalFields& f) {
  // Keys in sorted order, as nlohmann's std::map-backed objects dump them.
  std::string out;
  out.reserve(160 + f.details_json.size() + f.org_id.size() + f.actor_id.size() + f.action.size() +
              f.target.size() + f.request_id.size());
  out += "{\"action\":";
  append_json_string(out, f.action);
  out += ",\"actor\":{\"id\":";
  append_json_string(out, f.actor_id);
  out += ",\"type\":";
  append_json_string(out, f.actor_type);
  out += "},\"details\":";
  out += f.details_json;
  out += ",\"org_id\":";
  append_json_string(out, f.org_id);
  out += ",\"request_id\":";
  append_json_string(out, f.request_id);
  out += ",\"seq\":";
  out += std::to_string(f.seq);
  out += ",\"target\":";
  append_json_string(out, f.target);
  out += ",\"ts\":";
  append_json_string(out, f.ts);
  out += "}";
  return out;
}

std::string details_json(const nlohmann::json& details) {
  return details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string canonical_json(int64_t seq, int64_t ts, const Entry& e) {
  const std::string ts_text = format_rfc3339(ts);
  const std::string details = details_json(e.details);
  return canonical_json(CanonicalFields{seq, ts_text, e.org_id, e.actor.type, e.actor.id, e.action,
                                        e.target, details, e.request_id});
}

std::string chain_hash(const std::string& prev_hex, const std::string& canonical) {
  auto prev = crypto::hex_decode(prev_hex);
  crypto::Sha256 h;
  h.update(prev.ok() ? *prev : std::string(32, '\0'));
  h.update(canonical);
  return crypto::hex_encode(h.finish());
}

std::string leaf_hash(const std::string& canonical) {
  return merkle::hash_leaf(canonical);
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

Error tree_broken() {
  return Error::make(ErrorKind::kUnavailable, "audit_unavailable",
                     "the audit tree is incomplete; run audit verify");
}

// Adds leaf `idx` to audit_merkle with every subtree it completes: while idx is a right child
// (odd), its left sibling is stored, and their parent becomes complete. One sibling read and
// one insert per completed level, about two of each per append on average.
Status add_leaf(store::Db& db, int64_t idx, std::string hash) {
  SECU_TRY_VOID(store::insert_merkle_node(db, 0, idx, hash));
  int level = 0;
  while (idx & 1) {
    SECU_TRY(auto left, store::merkle_node(db, level, idx - 1));
    if (!left) return tree_broken();
    hash = merkle::hash_children(*left, hash);
    ++level;
    idx >>= 1;
    SECU_TRY_VOID(store::insert_merkle_node(db, level, idx, hash));
  }
  return {};
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

namespace {

Result<Appended> append_unmetered(store::WriteTx& tx, const Entry& in) {
  Entry e = in;
  e.details = redact(in.details.is_null() ? nlohmann::json::object() : in.details);
  // The head is read inside this transaction: the writer is the only appender, and a
  // rolled-back job leaves no stale in-memory head behind (there is none).
  SECU_TRY(auto head, store::audit_head(tx.db));
  store::AuditRow row;
  row.seq = head.seq + 1;
  row.prev_hash = head.seq == 0 ? std::string(kGenesisHash) : head.hash;
  row.ts = now_ms();
  row.org_id = e.org_id;
  row.actor_type = e.actor.type;
  row.actor_id = e.actor.id;
  row.action = e.action;
  row.target = e.target;
  row.details = details_json(e.details);
  row.request_id = e.request_id;
  const std::string ts_text = format_rfc3339(row.ts);
  const std::string canonical =
      canonical_json(CanonicalFields{row.seq, ts_text, row.org_id, row.actor_type, row.actor_id,
                                     row.action, row.target, row.details, row.request_id});
  row.hash = chain_hash(row.prev_hash, canonical);
  SECU_TRY_VOID(store::insert_audit_row(tx.db, row));
  // Leaf seq-1 of the Merkle tree, in the same transaction (log.hpp invariant 1). A leaf that
  // already exists means the log lost rows the tree still has: the insert fails, and so does
  // the change being audited (fail closed).
  SECU_TRY_VOID(add_leaf(tx.db, row.seq - 1, merkle::hash_leaf(canonical)));
  return Appended{row.seq, row.hash};
}

}  // namespace

Result<Appended> append(store::WriteTx& tx, const Entry& in) {
  auto r = append_unmetered(tx, in);
  if (!r.ok()) {
    metrics::audit_append_failures().inc();
    return r;
  }
  // Counted once the job's transaction committed: a dry run or a job that fails later rolls
  // this entry back, and an entry that never reached the log is no append.
  tx.after_commit([] { metrics::audit_appends().inc(); });
  return r;
}

}  // namespace secu::audit
