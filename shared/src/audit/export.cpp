#include "secu/audit/export.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "secu/audit.hpp"
#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/store/audit_log.hpp"

namespace secu::audit {

namespace {

constexpr size_t kRangeMemo = 4096;
constexpr const char* kCsvHeader =
    "record_type,seq,ts,org_id,actor_type,actor_id,action,target,details,request_id,prev_hash,"
    "hash,leaf_hash,proof\r\n";

// csv_cell(v) appended to `out` without the intermediate strings (the export's hot path).
void append_csv_cell(std::string& out, std::string_view v) {
  const bool quote_mark = !v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' ||
                                         v[0] == '\t' || v[0] == '\r' || v[0] == '\'');
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    if (quote_mark) out.push_back('\'');
    out.append(v);
    return;
  }
  out.push_back('"');
  if (quote_mark) out.push_back('\'');
  size_t run = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '"') continue;
    out.append(v.data() + run, i + 1 - run);  // through the quote, which is then doubled
    out.push_back('"');
    run = i + 1;
  }
  out.append(v.data() + run, v.size() - run);
  out.push_back('"');
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    const char two[2] = {kHex[c >> 4], kHex[c & 15]};
    out.append(two, 2);
  }
}

}  // namespace

std::string csv_cell(std::string_view v) {
  // OWASP's CSV injection advice: a leading = + - @ (or TAB / CR, which some spreadsheets
  // skip) makes a formula; a leading ' shows the text as is. A value that itself starts with
  // ' is prefixed too, so the verifier can always strip exactly one.
  std::string cell;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' ||
                     v[0] == '\r' || v[0] == '\'')) {
    cell.push_back('\'');
  }
  cell.append(v);
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string csv_uncell(std::string_view v) {
  if (!v.empty() && v[0] == '\'') v.remove_prefix(1);
  return std::string(v);
}

const char* content_type(ExportFormat f) {
  return f == ExportFormat::kCsv ? "text/csv; charset=utf-8" : "application/x-ndjson";
}

Result<std::unique_ptr<ExportWriter>> ExportWriter::open(store::Store& st, SignedCheckpoint cp,
                                                         ExportOptions opts) {
  if (opts.batch < 1) opts.batch = 1;
  const int64_t size = cp.checkpoint.size;
  if (opts.consistency_from && (*opts.consistency_from < 0 || *opts.consistency_from > size)) {
    return Error::invalid("consistency_from must be between 0 and the checkpoint size",
                          "consistency_from");
  }
  if (opts.from_ts && opts.to_ts && *opts.from_ts > *opts.to_ts) {
    return Error::invalid("from must not be after to", "from");
  }
  std::unique_ptr<ExportWriter> w(new ExportWriter(st, std::move(cp), std::move(opts)));
  w->m_complete = !w->m_opts.org_id && !w->m_opts.from_ts && !w->m_opts.to_ts;
  if (w->m_opts.consistency_from) {
    SECU_TRY_VOID(st.read([&](store::Db& db) -> Status {
      SECU_TRY(w->m_consistency, prove_consistency(db, *w->m_opts.consistency_from, size));
      return {};
    }));
  }
  return w;
}

std::string ExportWriter::header_json() const {
  nlohmann::json h = {
      {"type", "checkpoint"},
      {"format", "secu-audit-export/1"},
      {"origin", m_cp.checkpoint.origin},
      {"size", m_cp.checkpoint.size},
      {"root", crypto::hex_encode(m_cp.checkpoint.root)},
      {"note", m_cp.note},
      {"complete", m_complete},
  };
  nlohmann::json scope = nlohmann::json::object();
  if (m_opts.org_id) scope["org_id"] = *m_opts.org_id;
  if (m_opts.from_ts) scope["from"] = format_rfc3339(*m_opts.from_ts);
  if (m_opts.to_ts) scope["to"] = format_rfc3339(*m_opts.to_ts);
  h["scope"] = scope;
  if (m_opts.consistency_from) {
    nlohmann::json proof = nlohmann::json::array();
    for (const auto& p : m_consistency)
      proof.push_back(crypto::hex_encode(p));
    h["consistency"] = {{"from", *m_opts.consistency_from}, {"proof", proof}};
  }
  return h.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<merkle::Hash> ExportWriter::cached_range(store::Db& db, int64_t begin, int64_t end) {
  const auto key = std::make_pair(begin, end);
  if (auto it = m_ranges.find(key); it != m_ranges.end()) return it->second;
  SECU_TRY(auto h, merkle::range_hash(node_reader(db), begin, end));
  if (m_ranges.size() >= kRangeMemo) m_ranges.clear();
  m_ranges.emplace(key, h);
  return h;
}

Result<bool> ExportWriter::next(std::string& out) {
  const bool csv = m_opts.format == ExportFormat::kCsv;
  switch (m_state) {
    case State::kHeader: {
      if (csv) {
        out += kCsvHeader;
        out += "checkpoint," + std::to_string(m_cp.checkpoint.size) + ",,,,,,," +
               csv_cell(header_json()) + ",,,,,\r\n";
      } else {
        out += header_json();
        out += "\n";
      }
      m_state = State::kEntries;
      return true;
    }
    case State::kEntries: {
      int64_t got = 0;
      SECU_TRY_VOID(m_store.read([&](store::Db& db) -> Status {
        store::AuditScan scan;
        scan.after_seq = m_last_seq;
        scan.last_seq = m_cp.checkpoint.size;
        scan.org_id = m_opts.org_id;
        if (m_opts.from_ts) scan.from_ts = *m_opts.from_ts;
        if (m_opts.to_ts) scan.to_ts = *m_opts.to_ts;
        scan.limit = m_opts.batch;
        SECU_TRY(auto cursor, store::AuditCursor::open(db, scan));
        auto ranges = [&](int64_t b, int64_t e) { return cached_range(db, b, e); };
        store::AuditRow r;
        for (;;) {
          SECU_TRY(bool more, cursor.next(r));
          if (!more) break;
          ++got;
          m_last_seq = r.seq;
          const std::string ts = format_rfc3339(r.ts);
          const std::string canonical =
              canonical_json(CanonicalFields{r.seq, ts, r.org_id, r.actor_type, r.actor_id,
                                             r.action, r.target, r.details, r.request_id});
          const merkle::Hash leaf = merkle::hash_leaf(canonical);
          merkle::Proof proof;
          if (!m_complete) {
            SECU_TRY(proof, merkle::inclusion_proof_from(ranges, r.seq - 1, m_cp.checkpoint.size));
          }
          // Appended piece by piece into `out` (no temporaries per column): the export's cost
          // per entry is mostly this formatting.
          if (csv) {
            out += "entry,";
            append_int(out, r.seq);
            out.push_back(',');
            append_csv_cell(out, ts);
            out.push_back(',');
            append_csv_cell(out, r.org_id);
            out.push_back(',');
            append_csv_cell(out, r.actor_type);
            out.push_back(',');
            append_csv_cell(out, r.actor_id);
            out.push_back(',');
            append_csv_cell(out, r.action);
            out.push_back(',');
            append_csv_cell(out, r.target);
            out.push_back(',');
            append_csv_cell(out, r.details);
            out.push_back(',');
            append_csv_cell(out, r.request_id);
            out.push_back(',');
            out += r.prev_hash;
            out.push_back(',');
            out += r.hash;
            out.push_back(',');
            append_hex(out, leaf);
            out.push_back(',');
            for (size_t i = 0; i < proof.size(); ++i) {
              if (i) out.push_back(' ');
              append_hex(out, proof[i]);
            }
            out += "\r\n";
          } else {
            // Built by hand in nlohmann's sorted-key order (the verifier re-dumps each line
            // with nlohmann and demands the same bytes): faster than a json object per row.
            out += "{\"action\":";
            append_json_string(out, r.action);
            out += ",\"actor\":{\"id\":";
            append_json_string(out, r.actor_id);
            out += ",\"type\":";
            append_json_string(out, r.actor_type);
            out += "},\"details\":";
            out += r.details;
            out += ",\"hash\":";
            append_json_string(out, r.hash);
            out += ",\"leaf_hash\":\"";
            append_hex(out, leaf);
            out += "\",\"org_id\":";
            append_json_string(out, r.org_id);
            out += ",\"prev_hash\":";
            append_json_string(out, r.prev_hash);
            if (!m_complete) {
              out += ",\"proof\":[";
              for (size_t i = 0; i < proof.size(); ++i) {
                out += i ? ",\"" : "\"";
                append_hex(out, proof[i]);
                out += "\"";
              }
              out += "]";
            }
            out += ",\"request_id\":";
            append_json_string(out, r.request_id);
            out += ",\"seq\":";
            append_int(out, r.seq);
            out += ",\"target\":";
            append_json_string(out, r.target);
            out += ",\"ts\":";
            append_json_string(out, ts);
            out += ",\"type\":\"entry\"}\n";
          }
        }
        return {};
      }));
      m_entries += got;
      if (got < m_opts.batch) m_state = State::kEnd;
      return true;
    }
    case State::kEnd:
      if (csv) {
        out += "end," + std::to_string(m_entries) + ",,,,,,,,,,,,\r\n";
      } else {
        out += "{\"entries\":" + std::to_string(m_entries) + ",\"type\":\"end\"}\n";
      }
      m_state = State::kDone;
      return false;
    case State::kDone:
      return false;
  }
  return false;
}

}  // namespace secu::audit
