// The hand-written fast paths of audit verify and export against the straightforward
// definitions they replaced: nlohmann's string escaping, snprintf's RFC 3339 text, and export
// lines built from nlohmann objects and csv_cell(). The canonical JSON defines the hash chain
// and the exports are checked byte for byte by the offline verifier: not one byte may differ.
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "audit_fixture.hpp"
#include "secu/audit/export.hpp"
#include "secu/audit/merkle.hpp"
#include "secu/clock.hpp"
#include "secu/store/audit_log.hpp"

using namespace secu;
using namespace secu::test;
using namespace secu::audit;

namespace {

std::string nlohmann_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string fast_string(const std::string& s) {
  std::string out = "prefix";  // appends, never replaces
  append_json_string(out, s);
  return out.substr(6);
}

// The formatter format_rfc3339 had before its digit-by-digit fast path.
std::string snprintf_rfc3339(int64_t ms) {
  auto floor_div = [](int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
  };
  const int64_t days = floor_div(ms, 86400000);
  int64_t rem = ms - days * 86400000;
  // civil_from_days (H. Hinnant)
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  const int hh = static_cast<int>(rem / 3600000);
  rem %= 3600000;
  const int mm = static_cast<int>(rem / 60000);
  rem %= 60000;
  char buf[80];  // room for what GCC's -Wformat-truncation assumes the fields can reach
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y),
                m, d, hh, mm, static_cast<int>(rem / 1000), static_cast<int>(rem % 1000));
  return buf;
}

std::vector<std::string> lines_of(const std::string& text, const char* eol) {
  std::vector<std::string> out;
  size_t at = 0;
  const size_t n = std::strlen(eol);
  for (size_t e; (e = text.find(eol, at)) != std::string::npos; at = e + n)
    out.push_back(text.substr(at, e - at));
  return out;
}

// Splits by `eol` only outside CSV quotes (cells may hold CR LF).
std::vector<std::string> csv_records(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') quoted = !quoted;
    if (!quoted && text.compare(i, 2, "\r\n") == 0) {
      out.push_back(cur);
      cur.clear();
      ++i;
      continue;
    }
    cur.push_back(text[i]);
  }
  return out;
}

}  // namespace

TEST_CASE("audit fast paths: JSON strings escape exactly as nlohmann's dump", "[audit]") {
  for (int c = 0; c < 256; ++c) {
    const std::string s = std::string("a") + static_cast<char>(c) + "b" + static_cast<char>(c);
    CAPTURE(c);
    CHECK(fast_string(s) == nlohmann_string(s));
    CHECK(fast_string(std::string(1, static_cast<char>(c))) ==
          nlohmann_string(std::string(1, static_cast<char>(c))));
  }
  std::mt19937 rng(1234);
  const std::string alphabet = std::string("abc \"\\/\b\f\n\r\t\x01\x1f\x7f") + '\0';
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    const int len = static_cast<int>(rng() % 40);
    for (int k = 0; k < len; ++k) {
      if (i % 5 == 0 && rng() % 9 == 0) {
        s.push_back(static_cast<char>(0x80 + rng() % 128));  // some (mostly invalid) UTF-8
      } else {
        s.push_back(alphabet[rng() % alphabet.size()]);
      }
    }
    CAPTURE(s);
    CHECK(fast_string(s) == nlohmann_string(s));
  }
  const std::string longer(5000, 'x');
  CHECK(fast_string(longer + "\"" + longer) == nlohmann_string(longer + "\"" + longer));
}

TEST_CASE("audit fast paths: RFC 3339 times are the snprintf text", "[audit]") {
  const int64_t fixed[] = {0,
                           -1,
                           1,
                           999,
                           -86400000,
                           951782400000,  // 2000-02-29
                           1700000000123,
                           4102444800000,     // 2100-01-01
                           253402300799999,   // 9999-12-31T23:59:59.999Z
                           -62167219200000};  // 0000-01-01
  for (int64_t ms : fixed) {
    CAPTURE(ms);
    CHECK(format_rfc3339(ms) == snprintf_rfc3339(ms));
  }
  std::mt19937_64 rng(99);
  for (int i = 0; i < 20000; ++i) {
    const int64_t ms = static_cast<int64_t>(rng() % 253402300800000ULL);
    CAPTURE(ms);
    REQUIRE(format_rfc3339(ms) == snprintf_rfc3339(ms));
  }
}

TEST_CASE("audit fast paths: canonical JSON with numbers, nesting and unicode", "[audit]") {
  Entry e;
  e.org_id = "org_\xc3\xa9t\xc3\xa9";
  e.actor = {"user", "usr_\"x\"\n"};
  e.action = "agent.create";
  e.target = "agt_\x01\x7f";
  e.request_id = "req_\xff";
  e.details = {{"big", 9223372036854775807LL},
               {"neg", -9223372036854775807LL - 1},
               {"u", 18446744073709551615ULL},
               {"f", -0.000123},
               {"nested", {{"a", {1, -2, {{"z", "\xe2\x80\x94"}}}}, {"null", nullptr}}},
               {"empty", nlohmann::json::object()},
               {"arr", nlohmann::json::array()}};
  for (int64_t seq : {int64_t{1}, int64_t{1234567890123}}) {
    const nlohmann::json ref = {
        {"seq", seq},           {"ts", format_rfc3339(1700000000123)},
        {"org_id", e.org_id},   {"actor", {{"type", e.actor.type}, {"id", e.actor.id}}},
        {"action", e.action},   {"target", e.target},
        {"details", e.details}, {"request_id", e.request_id},
    };
    CHECK(canonical_json(seq, 1700000000123, e) ==
          ref.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

TEST_CASE("audit fast paths: export lines are the nlohmann and csv_cell definitions", "[audit]") {
  AuditStore a;
  const std::string tricky[] = {"plain",      "=SUM(A1)",      "-1",          "'quoted",  "a,b",
                                "say \"hi\"", "line\r\nbreak", "caf\xc3\xa9", "bad \xff", "\t@x"};
  REQUIRE(a.st->write([&](store::WriteTx& tx) -> Status {
                for (const auto& s : tricky) {
                  Entry e;
                  e.org_id = s;
                  e.actor = {"user", s};
                  e.action = s;
                  e.target = s;
                  e.request_id = s;
                  e.details = {{"s", s}, {"n", -42}, {"big", 9007199254740993LL}, {"l", {s, 1}}};
                  SECU_TRY_VOID(append(tx, e));
                }
                return {};
              })
              .ok());
  const auto cp = a.checkpoint();
  std::vector<store::AuditRow> rows;
  REQUIRE(a.st->read([&](store::Db& db) -> Status {
                SECU_TRY(auto cur, store::AuditCursor::open(db, {}));
                for (store::AuditRow r;;) {
                  SECU_TRY(bool more, cur.next(r));
                  if (!more) break;
                  rows.push_back(r);
                }
                return {};
              })
              .ok());
  REQUIRE(rows.size() == std::size(tricky));

  auto run = [&](ExportFormat f) {
    ExportOptions o;
    o.format = f;
    return export_text(a, o, cp, 3);
  };

  const auto jsonl = lines_of(run(ExportFormat::kJsonl), "\n");
  const auto csv = csv_records(run(ExportFormat::kCsv));
  REQUIRE(jsonl.size() == rows.size() + 2);  // checkpoint, entries, end
  REQUIRE(csv.size() == rows.size() + 3);    // header row, checkpoint, entries, end
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    CAPTURE(i);
    const std::string ts = format_rfc3339(r.ts);
    const std::string canonical =
        canonical_json(CanonicalFields{r.seq, ts, r.org_id, r.actor_type, r.actor_id, r.action,
                                       r.target, r.details, r.request_id});
    const std::string leaf = crypto::hex_encode(merkle::hash_leaf(canonical));
    const nlohmann::json line = {
        {"type", "entry"},
        {"seq", r.seq},
        {"ts", ts},
        {"org_id", r.org_id},
        {"actor", {{"type", r.actor_type}, {"id", r.actor_id}}},
        {"action", r.action},
        {"target", r.target},
        {"details", nlohmann::json::parse(r.details)},
        {"request_id", r.request_id},
        {"prev_hash", r.prev_hash},
        {"hash", r.hash},
        {"leaf_hash", leaf},
    };
    CHECK(jsonl[i + 1] == line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    const std::string row =
        "entry," + std::to_string(r.seq) + "," + csv_cell(ts) + "," + csv_cell(r.org_id) + "," +
        csv_cell(r.actor_type) + "," + csv_cell(r.actor_id) + "," + csv_cell(r.action) + "," +
        csv_cell(r.target) + "," + csv_cell(r.details) + "," + csv_cell(r.request_id) + "," +
        r.prev_hash + "," + r.hash + "," + leaf + ",";
    CHECK(csv[i + 2] == row);
  }
  // And the whole files still verify offline.
  ExportVerifyOptions vo{a.signer.note_key(), {}, {}};
  for (auto f : {ExportFormat::kJsonl, ExportFormat::kCsv}) {
    std::istringstream in(run(f));
    auto rep = verify_export(in, vo);
    INFO(rep.problem);
    CHECK(rep.ok);
  }
}
