// The offline verifier of audit exports (the contract is in secu/audit/export.hpp).
#include <istream>
#include <nlohmann/json.hpp>

#include "secu/audit.hpp"
#include "secu/audit/export.hpp"
#include "secu/crypto.hpp"

namespace secu::audit {

namespace {

using nlohmann::json;

constexpr size_t kCsvColumns = 14;
constexpr const char* kCsvHeader =
    "record_type,seq,ts,org_id,actor_type,actor_id,action,target,details,request_id,prev_hash,"
    "hash,leaf_hash,proof";

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool is_hex_hash(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// One record, whatever the format, as the verifier needs it.
struct Record {
  std::string type;   // checkpoint | entry | end
  json header;        // checkpoint: the header object
  int64_t count = 0;  // end: the number of entries
  // entry:
  int64_t seq = 0;
  std::string ts, org_id, actor_type, actor_id, action, target, details_json, request_id;
  std::string prev_hash, hash, leaf_hash;
  std::vector<std::string> proof_hex;
  bool has_proof = false;
};

// Reads records one at a time from JSONL or CSV, checking that each is in canonical form.
class Reader {
 public:
  explicit Reader(std::istream& in) : m_in(in) {}

  // Detects the format from the first line.
  bool start(std::string& problem) {
    if (!std::getline(m_in, m_first)) {
      problem = "the file is empty";
      return false;
    }
    if (m_first.starts_with("{")) {
      m_format = "jsonl";
    } else {
      std::string head = m_first;
      if (!head.empty() && head.back() == '\r') head.pop_back();
      if (head != kCsvHeader) {
        problem = "not an audit export (neither JSONL nor the audit CSV header)";
        return false;
      }
      m_format = "csv";
      m_have_first = false;  // the CSV header line is consumed
      return true;
    }
    m_have_first = true;
    return true;
  }
  const std::string& format() const { return m_format; }
  int64_t record_no() const { return m_record; }

  // False at the end of input; `problem` set when the record is malformed.
  bool next(Record& rec, std::string& problem) {
    return m_format == "csv" ? next_csv(rec, problem) : next_jsonl(rec, problem);
  }

 private:
  bool next_jsonl(Record& rec, std::string& problem) {
    std::string line;
    if (m_have_first) {
      line = std::move(m_first);
      m_have_first = false;
    } else if (!std::getline(m_in, line)) {
      return false;
    }
    ++m_record;
    rec = Record{};
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      problem = "not a JSON object";
      return true;
    }
    if (dump(j) != line) {
      problem = "the record is not in canonical form (it was edited)";
      return true;
    }
    if (!j.contains("type") || !j["type"].is_string()) {
      problem = "the record has no type";
      return true;
    }
    rec.type = j["type"].get<std::string>();
    if (rec.type == "checkpoint") {
      rec.header = std::move(j);
      return true;
    }
    if (rec.type == "end") {
      if (!j.contains("entries") || !j["entries"].is_number_integer()) {
        problem = "the end record has no entry count";
        return true;
      }
      rec.count = j["entries"].get<int64_t>();
      return true;
    }
    if (rec.type != "entry") {
      problem = "unknown record type";
      return true;
    }
    try {
      rec.seq = j.at("seq").get<int64_t>();
      rec.ts = j.at("ts").get<std::string>();
      rec.org_id = j.at("org_id").get<std::string>();
      rec.actor_type = j.at("actor").at("type").get<std::string>();
      rec.actor_id = j.at("actor").at("id").get<std::string>();
      rec.action = j.at("action").get<std::string>();
      rec.target = j.at("target").get<std::string>();
      rec.details_json = dump(j.at("details"));
      rec.request_id = j.at("request_id").get<std::string>();
      rec.prev_hash = j.at("prev_hash").get<std::string>();
      rec.hash = j.at("hash").get<std::string>();
      rec.leaf_hash = j.at("leaf_hash").get<std::string>();
      if (j.contains("proof")) {
        rec.has_proof = true;
        rec.proof_hex = j["proof"].get<std::vector<std::string>>();
      }
      if (j.size() != (rec.has_proof ? 13u : 12u) || j["actor"].size() != 2) {
        problem = "the entry has unexpected fields";
      }
    } catch (const json::exception&) {
      problem = "the entry lacks a field or has one of the wrong type";
    }
    return true;
  }

  // Reads one RFC 4180 record (quoted cells may hold CR, LF and doubled quotes); `raw` gets
  // its exact text without the final CRLF.
  bool read_csv_record(std::vector<std::string>& cells, std::string& raw, bool& bad) {
    cells.clear();
    raw.clear();
    bad = false;
    std::string cell;
    bool quoted = false, any = false, after_quote = false;
    int ch;
    while ((ch = m_in.get()) != EOF) {
      any = true;
      const char c = static_cast<char>(ch);
      if (quoted) {
        raw.push_back(c);
        if (c == '"') {
          if (m_in.peek() == '"') {
            m_in.get();
            raw.push_back('"');
            cell.push_back('"');
          } else {
            quoted = false;
            after_quote = true;
          }
        } else {
          cell.push_back(c);
        }
        continue;
      }
      if (c == '\r' && m_in.peek() == '\n') {
        m_in.get();
        cells.push_back(std::move(cell));
        return true;
      }
      if (c == '\n') {  // a bare LF: tolerated on read, rejected by the canonical check
        raw.push_back('\x01');
        cells.push_back(std::move(cell));
        return true;
      }
      raw.push_back(c);
      if (c == ',') {
        cells.push_back(std::move(cell));
        cell.clear();
        after_quote = false;
      } else if (c == '"' && cell.empty() && !after_quote) {
        quoted = true;
      } else {
        if (after_quote) bad = true;
        cell.push_back(c);
      }
    }
    if (!any) return false;
    if (quoted) bad = true;
    cells.push_back(std::move(cell));
    raw.push_back('\x01');  // no final CRLF: a cut-off file
    return true;
  }

  bool next_csv(Record& rec, std::string& problem) {
    std::vector<std::string> cells;
    std::string raw;
    bool bad = false;
    if (!read_csv_record(cells, raw, bad)) return false;
    ++m_record;
    rec = Record{};
    if (bad || cells.size() != kCsvColumns) {
      problem = "malformed CSV record";
      return true;
    }
    std::string again;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) again.push_back(',');
      again += csv_cell(csv_uncell(cells[i]));
    }
    if (again != raw) {
      problem = "the record is not in canonical form (it was edited)";
      return true;
    }
    for (auto& c : cells)
      c = csv_uncell(c);
    rec.type = cells[0];
    auto parse_int = [&](const std::string& s, int64_t& out) {
      if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
        return false;
      out = std::stoll(s);
      return true;
    };
    if (rec.type == "checkpoint") {
      auto j = json::parse(cells[8], nullptr, false);
      if (j.is_discarded() || !j.is_object() || dump(j) != cells[8]) {
        problem = "the checkpoint record's header is not canonical JSON";
        return true;
      }
      rec.header = std::move(j);
      int64_t size = 0;
      if (!parse_int(cells[1], size) || !rec.header.contains("size") ||
          rec.header["size"] != size) {
        problem = "the checkpoint record's size does not match its header";
      }
      return true;
    }
    if (rec.type == "end") {
      if (!parse_int(cells[1], rec.count)) problem = "the end record has no entry count";
      return true;
    }
    if (rec.type != "entry") {
      problem = "unknown record type";
      return true;
    }
    if (!parse_int(cells[1], rec.seq)) {
      problem = "the entry has no seq";
      return true;
    }
    rec.ts = cells[2];
    rec.org_id = cells[3];
    rec.actor_type = cells[4];
    rec.actor_id = cells[5];
    rec.action = cells[6];
    rec.target = cells[7];
    auto d = json::parse(cells[8], nullptr, false);
    if (d.is_discarded() || dump(d) != cells[8]) {
      problem = "the entry's details are not canonical JSON";
      return true;
    }
    rec.details_json = cells[8];
    rec.request_id = cells[9];
    rec.prev_hash = cells[10];
    rec.hash = cells[11];
    rec.leaf_hash = cells[12];
    if (!cells[13].empty()) {
      rec.has_proof = true;
      size_t pos = 0;
      while (pos <= cells[13].size()) {
        const auto sp = cells[13].find(' ', pos);
        rec.proof_hex.push_back(cells[13].substr(pos, sp == std::string::npos ? sp : sp - pos));
        if (sp == std::string::npos) break;
        pos = sp + 1;
      }
    }
    return true;
  }

  std::istream& m_in;
  std::string m_format;
  std::string m_first;
  bool m_have_first = false;
  int64_t m_record = 0;
};

// Consistency of the export's checkpoint with the known ones (see export.hpp).
bool check_consistency(const Checkpoint& cp, const json& header, const ExportVerifyOptions& o,
                       ExportVerifyReport& rep) {
  if (o.known.empty()) return true;
  const KnownCheckpoint* same = nullptr;
  const KnownCheckpoint* largest = nullptr;
  const KnownCheckpoint* next_larger = nullptr;
  for (const auto& k : o.known) {
    if (k.size == cp.size) same = &k;
    if (!largest || k.size > largest->size) largest = &k;
    if (k.size > cp.size && (!next_larger || k.size < next_larger->size)) next_larger = &k;
  }
  if (same) {
    rep.consistency_with = same->size;
    if (!crypto::constant_time_equal(same->root, cp.root)) {
      rep.problem =
          "the checkpoint has the size of a saved checkpoint but another root: the log "
          "was rewritten";
      return false;
    }
    rep.consistency = same == largest ? "same" : "known";
    return true;
  }
  // Prove old -> new between the export and its nearest known neighbour.
  const bool newer = cp.size > largest->size;
  const KnownCheckpoint& other = newer ? *largest : *next_larger;
  rep.consistency_with = other.size;
  const int64_t from = newer ? other.size : cp.size;
  const int64_t to = newer ? cp.size : other.size;
  const std::string& from_root = newer ? other.root : cp.root;
  const std::string& to_root = newer ? cp.root : other.root;
  merkle::Proof proof;
  bool have = false;
  if (newer && header.contains("consistency")) {
    const auto& c = header["consistency"];
    if (c.contains("from") && c["from"] == from && c.contains("proof") && c["proof"].is_array()) {
      for (const auto& h : c["proof"]) {
        auto raw = h.is_string() ? crypto::hex_decode(h.get<std::string>())
                                 : Result<std::string>(Error::invalid("proof"));
        if (!raw.ok()) {
          rep.problem = "the consistency proof in the file is malformed";
          return false;
        }
        proof.push_back(std::move(raw).value());
      }
      have = true;
      rep.consistency = "file";
    }
  }
  if (!have && o.fetch_consistency) {
    auto fetched = o.fetch_consistency(from, to);
    if (!fetched.ok()) {
      rep.problem = "cannot prove consistency with the saved checkpoint of size " +
                    std::to_string(other.size) + ": " + fetched.error().message;
      return false;
    }
    proof = std::move(fetched).value();
    have = true;
    rep.consistency = "server";
  }
  if (!have) {
    rep.problem = "no consistency proof from size " + std::to_string(from) + " to " +
                  std::to_string(to) + " in the file, and no server to fetch one from";
    return false;
  }
  if (!merkle::verify_consistency(from, to, from_root, to_root, proof)) {
    rep.problem = "the checkpoint is not consistent with the saved checkpoint of size " +
                  std::to_string(other.size) + ": the log was truncated or rewritten";
    return false;
  }
  return true;
}

}  // namespace

ExportVerifyReport verify_export(std::istream& in, const ExportVerifyOptions& o) {
  ExportVerifyReport rep;
  Reader reader(in);
  if (!reader.start(rep.problem)) return rep;
  rep.format = reader.format();
  auto fail = [&](std::string problem, int64_t seq = 0) {
    rep.ok = false;
    rep.problem = std::move(problem);
    rep.record = reader.record_no();
    rep.first_bad_seq = seq;
    return rep;
  };

  Record rec;
  std::string problem;
  // 1. The checkpoint.
  if (!reader.next(rec, problem)) return fail("the file has no checkpoint record");
  if (!problem.empty()) return fail(problem);
  if (rec.type != "checkpoint") return fail("the first record is not the checkpoint");
  const json header = rec.header;
  if (!header.contains("note") || !header["note"].is_string())
    return fail("the checkpoint record has no signed note");
  rep.note = header["note"].get<std::string>();
  auto cp = open_checkpoint(rep.note, o.key);
  if (!cp.ok()) return fail(cp.error().message);
  rep.checkpoint = *cp;
  if (header.value("origin", std::string()) != cp->origin ||
      header.value("size", int64_t{-1}) != cp->size ||
      header.value("root", std::string()) != crypto::hex_encode(cp->root)) {
    return fail("the checkpoint record does not repeat its signed note faithfully");
  }
  rep.complete = header.value("complete", false);
  if (!check_consistency(*cp, header, o, rep)) return fail(rep.problem);

  // 2. The entries.
  merkle::CompactRange tree;
  int64_t last_seq = 0;
  std::string last_hash;
  bool ended = false;
  while (reader.next(rec, problem)) {
    if (ended) return fail("records after the end record");
    if (!problem.empty()) return fail(problem, rec.seq);
    if (rec.type == "end") {
      if (rec.count != rep.entries) return fail("the end record's count does not match");
      ended = true;
      continue;
    }
    if (rec.type != "entry") return fail("a second checkpoint record");
    const int64_t seq = rec.seq;
    if (seq <= last_seq || seq < 1 || seq > cp->size)
      return fail("entries out of order or beyond the checkpoint", seq);
    if (rep.complete && seq != last_seq + 1) return fail("an entry is missing", last_seq + 1);
    if (!is_hex_hash(rec.prev_hash) || !is_hex_hash(rec.hash) || !is_hex_hash(rec.leaf_hash))
      return fail("a hash is malformed", seq);
    const std::string canonical =
        canonical_json(CanonicalFields{seq, rec.ts, rec.org_id, rec.actor_type, rec.actor_id,
                                       rec.action, rec.target, rec.details_json, rec.request_id});
    merkle::Hash leaf = merkle::hash_leaf(canonical);
    if (crypto::hex_encode(leaf) != rec.leaf_hash)
      return fail("the leaf hash does not match the entry", seq);
    if (chain_hash(rec.prev_hash, canonical) != rec.hash)
      return fail("the chain hash does not match the entry", seq);
    if (seq == 1 && rec.prev_hash != kGenesisHash)
      return fail("the first entry does not start the chain", seq);
    if (seq == last_seq + 1 && last_seq > 0 && rec.prev_hash != last_hash)
      return fail("prev_hash does not match the previous entry's hash", seq);
    if (rep.complete) {
      if (rec.has_proof) return fail("a complete export carries no proofs", seq);
      tree.push(std::move(leaf));
    } else {
      // A CSV cell cannot tell "no proof" from the empty proof of a one-entry tree (found by
      // fuzz_audit_export): there an empty cell is the empty proof, checked like any other.
      if (!rec.has_proof && rep.format != "csv")
        return fail("the entry has no inclusion proof", seq);
      merkle::Proof proof;
      for (const auto& h : rec.proof_hex) {
        auto raw = crypto::hex_decode(h);
        if (!raw.ok() || raw->size() != 32) return fail("the inclusion proof is malformed", seq);
        proof.push_back(std::move(raw).value());
      }
      if (!merkle::verify_inclusion(leaf, seq - 1, cp->size, proof, cp->root))
        return fail("the inclusion proof does not lead to the checkpoint root", seq);
    }
    ++rep.entries;
    last_seq = seq;
    last_hash = rec.hash;
  }
  if (!ended) return fail("the file ends without its end record (cut off)");
  if (rep.complete) {
    if (tree.size() != cp->size) return fail("the export lacks entries of the log", last_seq + 1);
    if (!crypto::constant_time_equal(tree.root(), cp->root))
      return fail("the entries do not rebuild the checkpoint root");
  }
  rep.ok = true;
  rep.record = 0;
  return rep;
}

}  // namespace secu::audit
