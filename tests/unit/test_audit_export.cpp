// Exports (JSONL, CSV; complete and org-scoped) and the offline verifier on good, edited,
// cut-off and rolled-back files.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audit_fixture.hpp"
#include "secu/audit/export.hpp"

using namespace secu;
using namespace secu::test;
using namespace secu::audit;

namespace {

ExportVerifyReport check(const std::string& text, const ExportVerifyOptions& o) {
  std::istringstream in(text);
  return verify_export(in, o);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines)
    s += l + "\n";
  return s;
}

}  // namespace

TEST_CASE("export: CSV cells are quoted per RFC 4180 and neutralise formulas", "[audit]") {
  CHECK(csv_cell("plain") == "plain");
  CHECK(csv_cell("a,b") == "\"a,b\"");
  CHECK(csv_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_cell("two\r\nlines") == "\"two\r\nlines\"");
  CHECK(csv_cell("=SUM(A1)") == "'=SUM(A1)");
  CHECK(csv_cell("+1") == "'+1");
  CHECK(csv_cell("-1") == "'-1");
  CHECK(csv_cell("@cmd") == "'@cmd");
  CHECK(csv_cell("\tx") == "'\tx");
  CHECK(csv_cell("'quoted") == "''quoted");
  CHECK(csv_cell("=a,b") == "\"'=a,b\"");
  for (std::string v : {"=x", "'y", "plain", "", "-", "@@"})
    CHECK(csv_uncell(csv_cell(v)) == v);  // none of these needs quotes
}

TEST_CASE("export: complete and scoped exports verify offline, in both formats", "[audit]") {
  AuditStore a;
  a.append(23);
  const auto cp = a.checkpoint();
  a.append(3);  // entries beyond the checkpoint are not exported
  ExportVerifyOptions vo{a.signer.note_key(), {}, {}};

  for (auto fmt : {ExportFormat::kJsonl, ExportFormat::kCsv}) {
    CAPTURE(static_cast<int>(fmt));
    ExportOptions all;
    all.format = fmt;
    const auto full = export_text(a, all, cp);
    auto rep = check(full, vo);
    INFO(rep.problem);
    CHECK(rep.ok);
    CHECK(rep.complete);
    CHECK(rep.entries == 23);
    CHECK(rep.format == (fmt == ExportFormat::kCsv ? "csv" : "jsonl"));

    ExportOptions org = all;
    org.org_id = "org_1";
    const auto scoped = export_text(a, org, cp);
    rep = check(scoped, vo);
    INFO(rep.problem);
    CHECK(rep.ok);
    CHECK_FALSE(rep.complete);
    CHECK(rep.entries == 8);  // seq 2, 5, 8, … of the 23
    CHECK(scoped.find("org_0") == std::string::npos);
    CHECK(scoped.find("org_2") == std::string::npos);
  }
  // The JSONL layout: header, entries with hashes and proofs, end.
  ExportOptions org;
  org.org_id = "org_2";
  const auto lines = lines_of(export_text(a, org, cp));
  REQUIRE(lines.size() == 2 + 7);
  const auto h = nlohmann::json::parse(lines[0]);
  CHECK(h["type"] == "checkpoint");
  CHECK(h["size"] == 23);
  CHECK(h["scope"]["org_id"] == "org_2");
  CHECK(h["note"].get<std::string>().rfind(a.signer.origin + "\n23\n", 0) == 0);
  const auto e = nlohmann::json::parse(lines[1]);
  CHECK(e["seq"] == 3);
  CHECK(e["org_id"] == "org_2");
  CHECK(e["actor"]["type"] == "admin");
  CHECK(e["proof"].size() == 5);  // ceil(log2 23)
  CHECK(e["leaf_hash"].get<std::string>().size() == 64);
  CHECK(nlohmann::json::parse(lines.back()) == nlohmann::json{{"type", "end"}, {"entries", 7}});
}

TEST_CASE("export: any change of an exported entry fails verification", "[audit]") {
  AuditStore a;
  a.append(12);
  const auto cp = a.checkpoint();
  ExportVerifyOptions vo{a.signer.note_key(), {}, {}};
  for (bool scoped : {false, true}) {
    CAPTURE(scoped);
    ExportOptions o;
    if (scoped) o.org_id = "org_0";
    const auto lines = lines_of(export_text(a, o, cp));
    REQUIRE(check(join(lines), vo).ok);
    // Flip every byte of the second entry line, one at a time.
    const size_t victim = 2;
    for (size_t i = 0; i < lines[victim].size(); ++i) {
      auto bad = lines;
      bad[victim][i] = static_cast<char>(bad[victim][i] ^ 0x01);
      const auto rep = check(join(bad), vo);
      if (rep.ok) FAIL("byte " << i << " changed unnoticed: " << bad[victim]);
    }
    // Dropping, duplicating or reordering lines fails too (dropping: only where it shows).
    auto dup = lines;
    dup.insert(dup.begin() + 2, lines[2]);
    CHECK_FALSE(check(join(dup), vo).ok);
    auto swapped = lines;
    std::swap(swapped[1], swapped[2]);
    CHECK_FALSE(check(join(swapped), vo).ok);
    auto cut = lines;
    cut.pop_back();  // no end record: cut off
    CHECK_FALSE(check(join(cut), vo).ok);
    if (!scoped) {
      auto dropped = lines;
      dropped.erase(dropped.begin() + 3);
      dropped.back() = "{\"entries\":11,\"type\":\"end\"}";
      const auto rep = check(join(dropped), vo);
      CHECK_FALSE(rep.ok);
      CHECK(rep.first_bad_seq == 3);
    }
  }
  // Another key does not verify the checkpoint.
  const auto other = crypto::signing_key_generate();
  ExportVerifyOptions wrong{make_note_key(a.signer.origin, other.public_key), {}, {}};
  CHECK_FALSE(check(export_text(a, {}, cp), wrong).ok);
}

TEST_CASE("export: CSV edits fail verification", "[audit]") {
  AuditStore a;
  a.append(9);
  const auto cp = a.checkpoint();
  ExportVerifyOptions vo{a.signer.note_key(), {}, {}};
  ExportOptions o;
  o.format = ExportFormat::kCsv;
  o.org_id = "org_1";
  const auto text = export_text(a, o, cp);
  REQUIRE(check(text, vo).ok);
  const auto at = text.find("\r\nentry,");
  REQUIRE(at != std::string::npos);
  const auto end = text.find("\r\n", at + 2);
  for (size_t i = at + 2; i < end; ++i) {
    std::string bad = text;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    if (check(bad, vo).ok) FAIL("CSV byte " << i << " changed unnoticed");
  }
}

TEST_CASE("export: consistency with saved checkpoints catches truncation and rollback", "[audit]") {
  AuditStore a;
  a.append(10);
  const auto c10 = a.checkpoint();
  a.append(15);
  const auto c25 = a.checkpoint();
  const KnownCheckpoint k10{10, c10.checkpoint.root}, k25{25, c25.checkpoint.root};
  auto fetch = [&](int64_t from, int64_t to) -> Result<merkle::Proof> {
    merkle::Proof p;
    SECU_TRY_VOID(a.st->read([&](store::Db& db) -> Status {
      SECU_TRY(p, prove_consistency(db, from, to));
      return {};
    }));
    return p;
  };
  ExportOptions org;
  org.org_id = "org_1";

  // Newer than the saved one: the proof travels in the file (consistency_from), no server.
  ExportOptions with_proof = org;
  with_proof.consistency_from = 10;
  auto rep = check(export_text(a, with_proof, c25), {a.signer.note_key(), {k10}, {}});
  INFO(rep.problem);
  CHECK(rep.ok);
  CHECK(rep.consistency == "file");
  CHECK(rep.consistency_with == 10);
  // Without it, offline, there is nothing to prove it with: not ok. With a server: ok.
  CHECK_FALSE(check(export_text(a, org, c25), {a.signer.note_key(), {k10}, {}}).ok);
  rep = check(export_text(a, org, c25), {a.signer.note_key(), {k10}, fetch});
  CHECK(rep.ok);
  CHECK(rep.consistency == "server");
  // An earlier export against a later saved checkpoint: offline when that checkpoint was
  // accepted before (known), else with a proof from the server.
  const auto early = export_text(a, org, c10);
  rep = check(early, {a.signer.note_key(), {k10, k25}, {}});
  CHECK(rep.ok);
  CHECK(rep.consistency == "known");
  rep = check(early, {a.signer.note_key(), {k25}, fetch});
  CHECK(rep.ok);
  CHECK(rep.consistency == "server");

  // A rewritten log signed at the same size: another root.
  AuditStore forged;
  forged.key = crypto::SigningKey{crypto::SecretBuffer::from(a.key.secret.view()),
                                  a.key.public_key};  // even with the real key
  forged.signer = {a.signer.origin, &forged.key};
  forged.append(25);
  const auto f25 = forged.checkpoint();
  rep = check(export_text(forged, org, f25), {a.signer.note_key(), {k10, k25}, {}});
  CHECK_FALSE(rep.ok);
  CHECK(rep.problem.find("rewritten") != std::string::npos);
  // Truncated and re-grown (rollback to 10 entries, then 5 others): the proof from 25 fails.
  forged.append(5);
  const auto f30 = forged.checkpoint();
  auto forged_fetch = [&](int64_t from, int64_t to) -> Result<merkle::Proof> {
    merkle::Proof p;
    SECU_TRY_VOID(forged.st->read([&](store::Db& db) -> Status {
      SECU_TRY(p, prove_consistency(db, from, to));
      return {};
    }));
    return p;
  };
  rep = check(export_text(forged, org, f30), {a.signer.note_key(), {k25}, forged_fetch});
  CHECK_FALSE(rep.ok);
  // A log truncated below the saved size cannot prove itself a prefix of it.
  rep = check(export_text(forged, org, forged.checkpoint()), {a.signer.note_key(), {k25}, {}});
  CHECK_FALSE(rep.ok);
  AuditStore shorter;
  shorter.signer = {a.signer.origin, &a.key};
  shorter.append(20);
  const auto s20 = shorter.checkpoint();
  auto short_fetch = [&](int64_t from, int64_t to) -> Result<merkle::Proof> {
    merkle::Proof p;
    SECU_TRY_VOID(shorter.st->read([&](store::Db& db) -> Status {
      SECU_TRY(p, prove_consistency(db, from, to));
      return {};
    }));
    return p;
  };
  rep = check(export_text(shorter, org, s20), {a.signer.note_key(), {k25}, short_fetch});
  CHECK_FALSE(rep.ok);
}
