// Audit log exports (JSONL and CSV) and their offline verification.
//
// An export is made against one signed checkpoint C (origin, size n, root) and holds:
//   1. a header: C's signed note (plus origin, size, root hex, the scope and, on request, a
//      consistency proof from a size the client saved earlier to n);
//   2. the entries with seq <= n in the scope, ascending, each with its canonical fields,
//      prev_hash, hash and leaf_hash and — unless the export is COMPLETE (every entry 1..n,
//      no org or time filter) — its RFC 6962 inclusion proof against C's root;
//   3. an end record with the number of entries (a cut-off download has none).
// A complete export verifies by rebuilding the whole tree; a scoped one entry by entry, so a
// tenant's export verifies without any other tenant's entries.
//
// JSONL: one JSON object per line, keys sorted, no whitespace ("type": checkpoint | entry |
// end). CSV (RFC 4180, CRLF): columns record_type,seq,ts,org_id,actor_type,actor_id,action,
// target,details,request_id,prev_hash,hash,leaf_hash,proof; the checkpoint record carries the
// JSONL header object in `details` and the size in `seq`, the end record the count in `seq`;
// proofs are space-separated hex. A cell starting with = + - @ TAB CR or ' gets a leading '
// (formula injection; the verifier strips exactly one). Hashes in both formats are hex.
//
// Offline verification (verify_export) checks: the note's signature with the given key and
// that the header repeats it faithfully; every record is in canonical form (re-serialising it
// gives the same bytes, so no byte can change unnoticed); per entry, leaf_hash =
// SHA-256(0x00 ‖ canonical JSON rebuilt from the fields), hash = SHA-256(prev_hash ‖ canonical
// JSON), prev_hash = the previous entry's hash where seqs are adjacent, and the inclusion proof
// (or, complete, the rebuilt root) against the checkpoint root; the end count; and consistency
// of the checkpoint with the checkpoints the verifier accepted before (the same size: the same
// root; a larger one: a proof from the file or fetched; a smaller one: a proof fetched, unless
// the checkpoint is one of those accepted), which catches truncation and rollback.
// Thread-safety: an ExportWriter is used by one thread at a time; verify_export is pure.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "secu/audit/checkpoint.hpp"
#include "secu/audit/log.hpp"
#include "secu/audit/merkle.hpp"
#include "secu/store.hpp"

namespace secu::audit {

enum class ExportFormat { kJsonl, kCsv };

struct ExportOptions {
  ExportFormat format = ExportFormat::kJsonl;
  std::optional<std::string> org_id;        // only this org's entries
  std::optional<int64_t> from_ts;           // ts >= from_ts (ms)
  std::optional<int64_t> to_ts;             // ts < to_ts (ms)
  std::optional<int64_t> consistency_from;  // add a consistency proof from this size
  int64_t batch = 500;                      // entries per chunk (one read transaction each)
};

class ExportWriter {
 public:
  // Prepares an export against `cp`; validates the options (consistency_from <= cp size).
  static Result<std::unique_ptr<ExportWriter>> open(store::Store& st, SignedCheckpoint cp,
                                                    ExportOptions opts);
  // Appends the next chunk (the header, a batch of entries, or the end record) to `out`.
  // Answers false once the end record has been produced.
  Result<bool> next(std::string& out);
  int64_t entries() const { return m_entries; }
  bool complete() const { return m_complete; }

 private:
  ExportWriter(store::Store& st, SignedCheckpoint cp, ExportOptions opts)
      : m_store(st), m_cp(std::move(cp)), m_opts(std::move(opts)) {}
  std::string header_json() const;
  Result<merkle::Hash> cached_range(store::Db& db, int64_t begin, int64_t end);

  enum class State { kHeader, kEntries, kEnd, kDone };
  store::Store& m_store;
  SignedCheckpoint m_cp;
  ExportOptions m_opts;
  merkle::Proof m_consistency;
  bool m_complete = false;
  State m_state = State::kHeader;
  int64_t m_last_seq = 0;
  int64_t m_entries = 0;
  // Memo of subtree hashes for proofs: neighbouring leaves share most of their paths. Cleared
  // when it grows past a bound, so memory stays constant.
  std::map<std::pair<int64_t, int64_t>, merkle::Hash> m_ranges;
};

const char* content_type(ExportFormat f);

// ---- Offline verification -------------------------------------------------------------

struct KnownCheckpoint {
  int64_t size = 0;
  merkle::Hash root;  // raw
};

struct ExportVerifyOptions {
  NoteKey key;
  // Checkpoints of this log accepted earlier (each proven consistent with the ones before).
  std::vector<KnownCheckpoint> known;
  // Fetches a consistency proof from the server; empty when offline.
  std::function<Result<merkle::Proof>(int64_t from, int64_t to)> fetch_consistency;
};

struct ExportVerifyReport {
  bool ok = false;
  std::string format;  // jsonl | csv
  Checkpoint checkpoint;
  std::string note;
  bool complete = false;
  int64_t entries = 0;
  int64_t first_bad_seq = 0;  // when an entry failed
  int64_t record = 0;         // 1-based record (line) where it failed; 0: not a record
  std::string problem;        // what failed, when !ok
  // How consistency with `known` was established: none (nothing known), same (same size and
  // root), file (proof carried in the export), server (proof fetched), known (the checkpoint
  // is one of them).
  std::string consistency = "none";
  int64_t consistency_with = 0;  // the known size it was checked against
};

ExportVerifyReport verify_export(std::istream& in, const ExportVerifyOptions& opts);

// CSV cells (exposed for tests): RFC 4180 quoting plus formula neutralisation, and back.
std::string csv_cell(std::string_view value);
std::string csv_uncell(std::string_view neutralised);

}  // namespace secu::audit
