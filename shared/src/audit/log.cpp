#include "secu/audit/log.hpp"

#include "secu/clock.hpp"
#include "secu/log.hpp"
#include "secu/store/audit_checkpoints.hpp"
#include "secu/store/audit_merkle.hpp"

namespace secu::audit {

namespace {

Error tree_broken() {
  // A node the tree must have is missing: the table was tampered with or lost rows. Proofs
  // and appends stop rather than guess (fail closed; /v1/audit/verify names the damage).
  return Error::make(ErrorKind::kUnavailable, "audit_unavailable",
                     "the audit tree is incomplete; run audit verify");
}

Result<std::optional<SignedCheckpoint>> to_signed(std::optional<store::CheckpointRow> row) {
  if (!row) return std::optional<SignedCheckpoint>();
  SignedCheckpoint s;
  s.ts = row->ts;
  s.note = std::move(row->note);
  // The body is the part before the signature block; parse it rather than trusting columns.
  const auto split = s.note.rfind("\n\n");
  if (split == std::string::npos) return Error::internal("stored checkpoint is malformed");
  auto cp = parse_checkpoint_body(std::string_view(s.note).substr(0, split + 1));
  if (!cp.ok()) return Error::internal("stored checkpoint is malformed");
  s.checkpoint = std::move(cp).value();
  return std::optional<SignedCheckpoint>(std::move(s));
}

}  // namespace

Result<std::string> ensure_origin(store::Store& st) {
  std::optional<std::string> origin;
  SECU_TRY_VOID(st.read([&](store::Db& db) -> Status {
    SECU_TRY(origin, store::load_audit_origin(db));
    return {};
  }));
  if (origin) return *origin;
  // First use: a random install id. The insert keeps an origin another thread stored first,
  // and the re-read inside the same job returns whichever won.
  const std::string mine = "secud/" + crypto::random_id("log").substr(4);
  SECU_TRY_VOID(st.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY_VOID(store::save_audit_origin(tx.db, mine));
    SECU_TRY(origin, store::load_audit_origin(tx.db));
    return {};
  }));
  if (!origin) return Error::internal("audit origin not stored");
  return *origin;
}

Result<Signer> make_signer(store::Store& st, const crypto::SigningKey& key) {
  SECU_TRY(auto origin, ensure_origin(st));
  return Signer{std::move(origin), &key};
}

merkle::NodeReader node_reader(store::Db& db) {
  return [&db](int level, int64_t idx) -> Result<merkle::Hash> {
    SECU_TRY(auto h, store::merkle_node(db, level, idx));
    if (!h || h->size() != 32) return tree_broken();
    return std::move(*h);
  };
}

Result<int64_t> tree_size(store::Db& db) {
  return store::merkle_leaf_count(db);
}

Result<merkle::Hash> tree_root(store::Db& db, int64_t size) {
  SECU_TRY(int64_t n, tree_size(db));
  if (size < 0 || size > n) return Error::invalid("size is beyond the tree", "size");
  return merkle::root(node_reader(db), size);
}

Result<merkle::Proof> prove_inclusion(store::Db& db, int64_t seq, int64_t size) {
  SECU_TRY(int64_t n, tree_size(db));
  if (size < 1 || size > n) return Error::invalid("size is beyond the tree", "size");
  if (seq < 1 || seq > size) return Error::invalid("seq is not in a tree of that size", "seq");
  return merkle::inclusion_proof(node_reader(db), seq - 1, size);
}

Result<merkle::Proof> prove_consistency(store::Db& db, int64_t from, int64_t to) {
  SECU_TRY(int64_t n, tree_size(db));
  if (to < 0 || to > n) return Error::invalid("to is beyond the tree", "to");
  if (from < 0 || from > to) return Error::invalid("from must be between 0 and to", "from");
  return merkle::consistency_proof(node_reader(db), from, to);
}

Result<std::optional<SignedCheckpoint>> latest_checkpoint(store::Db& db) {
  SECU_TRY(auto row, store::latest_checkpoint_row(db));
  return to_signed(std::move(row));
}

Result<std::optional<SignedCheckpoint>> checkpoint_at(store::Db& db, int64_t size) {
  SECU_TRY(auto row, store::checkpoint_row_at(db, size));
  return to_signed(std::move(row));
}

namespace {
// current_checkpoint without the fallback: the Checkpointer wants to see failures.
Result<SignedCheckpoint> checkpoint_now(store::Store& st, const Signer& signer,
                                        std::optional<SignedCheckpoint>* stale_out) {
  // Cheap path first: a read says whether the tree grew since the latest checkpoint.
  std::optional<SignedCheckpoint> latest;
  int64_t size = 0;
  SECU_TRY_VOID(st.read([&](store::Db& db) -> Status {
    SECU_TRY(size, tree_size(db));
    SECU_TRY(latest, latest_checkpoint(db));
    return {};
  }));
  if (latest && latest->checkpoint.size >= size) return std::move(*latest);
  if (stale_out) *stale_out = latest;
  // Sign inside the writer: it serialises signers, and the tree cannot grow under us.
  auto signed_now = st.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(size, tree_size(tx.db));
    SECU_TRY(latest, latest_checkpoint(tx.db));
    if (latest && latest->checkpoint.size >= size) return {};
    SECU_TRY(auto root, merkle::root(node_reader(tx.db), size));
    SignedCheckpoint s;
    s.checkpoint = {signer.origin, size, root};
    s.ts = now_ms();
    s.note = sign_checkpoint(s.checkpoint, signer.origin, *signer.key);
    SECU_TRY_VOID(store::insert_checkpoint(tx.db, {size, s.ts, root, s.note}));
    latest = std::move(s);
    return {};
  });
  SECU_TRY_VOID(signed_now);
  if (!latest) return Error::internal("no checkpoint");
  return std::move(*latest);
}
}  // namespace

Result<SignedCheckpoint> current_checkpoint(store::Store& st, const Signer& signer) {
  std::optional<SignedCheckpoint> stale;
  auto cp = checkpoint_now(st, signer, &stale);
  if (cp.ok() || !stale) return cp;
  // Storage that takes no writes, or a tree that cannot be read, must not take the signed
  // history down with it: the last checkpoint still proves what it covers.
  log::warn("audit checkpoint not signed; serving the previous one",
            {{"code", cp.error().code}, {"size", stale->checkpoint.size}});
  return std::move(*stale);
}

Checkpointer::Checkpointer(store::Store& st, const crypto::SigningKey& key,
                           std::chrono::milliseconds interval)
    : m_store(st), m_key(key), m_interval(interval) {}

Checkpointer::~Checkpointer() {
  stop();
}

Status Checkpointer::start() {
  SECU_TRY(m_signer, make_signer(m_store, m_key));
  // The first checkpoint is signed by the thread right away. A tree that cannot be read (a
  // tampered database) is logged there rather than stopping the daemon: the operator needs it
  // running to see what GET /v1/audit/verify says.
  m_thread = std::thread([this] { loop(); });
  return {};
}

void Checkpointer::stop() {
  {
    std::lock_guard lk(m_mu);
    m_stop = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void Checkpointer::loop() {
  bool failing = false;
  for (bool first = true;; first = false) {
    if (!first) {
      std::unique_lock lk(m_mu);
      if (m_cv.wait_for(lk, m_interval, [&] { return m_stop; })) return;
    }
    auto cp = checkpoint_now(m_store, m_signer, nullptr);
    if (!cp.ok()) {
      // Logged once per outage, not once per tick.
      if (!failing) log::warn("audit checkpoint failed", {{"code", cp.error().code}});
      failing = true;
      continue;
    }
    if (failing) log::info("audit checkpoints resumed");
    failing = false;
  }
}

}  // namespace secu::audit
