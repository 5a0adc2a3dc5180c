// The audit export writers (ExportWriter, JSONL and CSV) round-tripped through the offline
// verifier: whatever an audit entry holds — quotes, commas, CR/LF, formula characters, control
// characters, invalid UTF-8, any details JSON — its export must verify (verify_export ok, every
// entry counted), complete and org-scoped, in both formats. The input is groups of 7 lines per
// entry (org_id, actor_type, actor_id, action, target, details as JSON text, request_id), at
// most 4 entries per input.
//
// The store is a real SQLite file in a temporary directory, shared by the inputs and started
// afresh every kResetEvery inputs (the log grows with each input; a complete export is O(size)).
// SECU_FUZZ_WRITE_EXPORTS=DIR writes each export there: seeds for fuzz_audit_verify, which
// uses the same fixed key and origin.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "secu/audit.hpp"
#include "secu/audit/export.hpp"
#include "secu/audit/log.hpp"
#include "secu/crypto.hpp"
#include "secu/log.hpp"
#include "secu/store.hpp"

using namespace secu;

namespace {

constexpr int kResetEvery = 16;
constexpr size_t kFieldsPerEntry = 7;
constexpr size_t kMaxEntries = 4;

const crypto::SigningKey& key() {
  static const crypto::SigningKey k = [] {
    FUZZ_REQUIRE(crypto::init().ok());
    auto sk = crypto::signing_key_from_seed(std::string(32, 'a'));
    FUZZ_REQUIRE(sk.ok());
    return std::move(sk).value();
  }();
  return k;
}

struct Log {
  std::filesystem::path dir;
  std::unique_ptr<store::Store> st;
  audit::Signer signer{"secud/fuzz", &key()};
  int inputs = 0;

  Log() {
    log::set_min_level(log::Level::kWarn);  // no "migration applied" lines per reset
    // In memory when /dev/shm exists: every input commits (fsync) twice.
    std::string tmpl = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    tmpl += "/secu-fuzz-export-XXXXXX";
    FUZZ_REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    open();
  }
  ~Log() {
    st.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void open() {
    st.reset();
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir, ec))
      std::filesystem::remove(f.path(), ec);
    auto s = store::Store::open({.path = (dir / "audit.db").string(), .readers = 1});
    FUZZ_REQUIRE(s.ok());
    st = std::move(s).value();
  }
  void maybe_reset() {
    if (++inputs % kResetEvery == 0) open();
  }
};

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  for (;;) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) break;
    out.emplace_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  out.emplace_back(text);
  return out;
}

nlohmann::json details_of(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return {{"text", text}};
  if (!j.is_object()) return {{"value", j}};
  return j;
}

std::string export_text(Log& log, const audit::SignedCheckpoint& cp, audit::ExportOptions o) {
  o.batch = 2;  // several chunks even for a few entries
  auto w = audit::ExportWriter::open(*log.st, cp, o);
  FUZZ_REQUIRE(w.ok());
  std::string out;
  for (;;) {
    auto more = (*w)->next(out);
    FUZZ_REQUIRE(more.ok());
    if (!*more) break;
  }
  return out;
}

void verify(const std::string& text, int64_t expected_entries) {
  audit::ExportVerifyOptions vo{audit::make_note_key("secud/fuzz", key().public_key), {}, {}};
  std::istringstream in(text);
  const auto rep = audit::verify_export(in, vo);
  if (!rep.ok) {
    fprintf(stderr, "export does not verify: %s (record %lld)\n%s\n", rep.problem.c_str(),
            static_cast<long long>(rep.record), text.c_str());
  }
  FUZZ_REQUIRE(rep.ok && rep.entries == expected_entries);
  if (const char* dir = std::getenv("SECU_FUZZ_WRITE_EXPORTS")) {
    std::ofstream(std::string(dir) + "/" + crypto::hex_encode(crypto::sha256(text)).substr(0, 16))
        << text;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Log log;
  log.maybe_reset();
  const auto f = lines_of(std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<audit::Entry> entries;
  for (size_t i = 0; i < f.size() && entries.size() < kMaxEntries; i += kFieldsPerEntry) {
    auto at = [&](size_t k) { return i + k < f.size() ? f[i + k] : std::string(); };
    audit::Entry e;
    e.org_id = at(0);
    e.actor = {at(1), at(2)};
    e.action = at(3);
    e.target = at(4);
    e.details = details_of(at(5));
    e.request_id = at(6);
    entries.push_back(std::move(e));
  }
  const auto st = log.st->write([&](store::WriteTx& tx) -> Status {
    for (const auto& e : entries)
      SECU_TRY_VOID(audit::append(tx, e));
    return {};
  });
  if (!st.ok()) return 0;  // append refused the entry: nothing to export
  auto cp = audit::current_checkpoint(*log.st, log.signer);
  FUZZ_REQUIRE(cp.ok());

  for (auto format : {audit::ExportFormat::kJsonl, audit::ExportFormat::kCsv}) {
    verify(export_text(log, *cp, {.format = format}), cp->checkpoint.size);
    // Scoped to the first entry's org: only that org's entries, each with its proof.
    int64_t in_org = 0;
    FUZZ_REQUIRE(log.st
                     ->read([&](store::Db& db) -> Status {
                       SECU_TRY(auto q,
                                db.query("SELECT count(*) FROM audit_log WHERE org_id = ?1"));
                       q.bind_all(entries.front().org_id);
                       SECU_TRY(bool row, q.step());
                       if (row) in_org = q.int64(0);
                       return {};
                     })
                     .ok());
    verify(export_text(log, *cp, {.format = format, .org_id = entries.front().org_id}), in_org);
  }
  return 0;
}
