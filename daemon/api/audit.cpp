// The audit log API: verify, exports, checkpoints, proofs and the checkpoint public key.
//
//   GET /v1/audit/verify                 platform admin: recompute chain, tree and checkpoints
//   GET /v1/audit/export.jsonl|.csv      viewer+, scoped by principal; streamed (chunked)
//   GET /v1/audit/checkpoint             viewer+: the latest signed checkpoint (JSON, or the
//                                        bare signed note with Accept: text/plain)
//   GET /v1/audit/proof/inclusion        viewer+: ?seq=N[&size=S]; another org's seq → 404
//   GET /v1/audit/proof/consistency      viewer+: ?from=A[&to=B]
//   GET /v1/audit/pubkey                 public: the signed-note verifier key
// Sizes default to the latest checkpoint's, which is first brought up to date (a checkpoint is
// signed when the tree grew since), so a proof fetched right after a write covers it. Hashes
// are hex in JSON; only the signed note carries base64, as C2SP specifies.
#include <httplib.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "secu/audit/export.hpp"
#include "secu/audit/log.hpp"
#include "secu/audit/verify.hpp"
#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/log.hpp"
#include "secu/store/audit_log.hpp"
#include "secu/store/org_lookup.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"
#include "server/scope.hpp"

namespace secu::daemon {

namespace {

using nlohmann::json;

audit::Signer signer_of(Ctx& c) {
  return Ctx::unwrap(audit::make_signer(c.app().store(), c.app().secrets().signing_key));
}

// A non-negative integer query parameter; 400 naming it when malformed.
std::optional<int64_t> int_query(Ctx& c, const std::string& name) {
  const auto v = c.query(name);
  if (!v) return std::nullopt;
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (v->empty() || ec != std::errc() || p != v->data() + v->size() || out < 0) {
    Ctx::fail(Error::invalid(name + " must be a non-negative integer", name));
  }
  return out;
}

std::optional<int64_t> time_query(Ctx& c, const std::string& name) {
  const auto v = c.query(name);
  if (!v) return std::nullopt;
  auto t = parse_time(*v);
  if (!t.ok()) Ctx::fail(Error::invalid(name + " must be an RFC 3339 time or a date", name));
  return *t;
}

json hex_list(const audit::merkle::Proof& p) {
  json out = json::array();
  for (const auto& h : p)
    out.push_back(crypto::hex_encode(h));
  return out;
}

bool wants_text(Ctx& c) {
  const auto accept = c.header("Accept");
  return accept.find("text/plain") != std::string::npos &&
         accept.find("application/json") == std::string::npos;
}

void verify(Ctx& c) {
  const auto signer = signer_of(c);
  const auto r = Ctx::unwrap(audit::verify_log(c.app().store(), signer.note_key()));
  json body = {{"ok", r.ok},
               {"entries", r.entries},
               {"head_hash", r.entries ? r.head_hash : std::string(audit::kGenesisHash)},
               {"root", crypto::hex_encode(r.root)},
               {"checkpoints_checked", r.checkpoints_checked}};
  if (!r.ok) {
    body["first_bad_seq"] = r.first_bad_seq;
    body["reason"] = r.reason;
    log::warn("audit verify failed",
              {{"first_bad_seq", r.first_bad_seq}, {"reason", std::string_view(r.reason)}});
  }
  c.reply(200, body);
}

void export_log(Ctx& c, audit::ExportFormat format) {
  audit::ExportOptions o;
  o.format = format;
  // Scoped by principal: a user exports their own org; the platform admin all or ?org_id=.
  const std::string org = org_for_read(c);
  if (!org.empty()) {
    if (c.principal().is_platform_admin()) {
      bool exists = false;
      c.read([&](store::Db& db) -> Status {
        SECU_TRY(exists, store::org_exists(db, org));
        return {};
      });
      if (!exists) Ctx::fail(Error::not_found("org"));
    }
    o.org_id = org;
  }
  o.from_ts = time_query(c, "from");
  o.to_ts = time_query(c, "to");
  o.consistency_from = int_query(c, "consistency_from");
  auto& st = c.app().store();
  const auto cp = Ctx::unwrap(audit::current_checkpoint(st, signer_of(c)));
  std::shared_ptr<audit::ExportWriter> w = Ctx::unwrap(audit::ExportWriter::open(st, cp, o));

  auto& res = c.raw_response();
  const char* ext = format == audit::ExportFormat::kCsv ? "csv" : "jsonl";
  res.set_header("Content-Disposition", std::string("attachment; filename=\"audit-") +
                                            std::to_string(cp.checkpoint.size) + "." + ext + "\"");
  res.set_header("X-Secu-Audit-Tree-Size", std::to_string(cp.checkpoint.size));
  // Streamed in chunks of one read transaction each: memory stays constant whatever the
  // log's size, and the entries are immutable (seq <= the checkpoint's size), so the batches
  // form one consistent export. A storage error mid-stream can no longer change the status:
  // the stream is cut, and the missing end record tells the client.
  const std::string rid = c.request_id();
  res.set_chunked_content_provider(
      audit::content_type(format), [w, rid](size_t, httplib::DataSink& sink) {
        std::string chunk;
        auto more = w->next(chunk);
        if (!more.ok()) {
          log::error("audit export failed mid-stream",
                     {{"request_id", std::string_view(rid)}, {"code", more.error().code}});
          return false;
        }
        if (!chunk.empty() && !sink.write(chunk.data(), chunk.size())) return false;
        if (!*more) sink.done();
        return true;
      });
}

json checkpoint_json(const audit::SignedCheckpoint& cp) {
  return {{"origin", cp.checkpoint.origin},
          {"size", cp.checkpoint.size},
          {"root", crypto::hex_encode(cp.checkpoint.root)},
          {"signed_at", format_rfc3339(cp.ts)},
          {"note", cp.note}};
}

void checkpoint(Ctx& c) {
  const auto cp = Ctx::unwrap(audit::current_checkpoint(c.app().store(), signer_of(c)));
  if (wants_text(c)) {
    c.reply_text(200, cp.note, "text/plain; charset=utf-8");
    return;
  }
  c.reply(200, checkpoint_json(cp));
}

// The size a proof is for: ?<name>= when given, else the latest checkpoint's.
int64_t size_or_latest(Ctx& c, const std::string& name) {
  if (auto s = int_query(c, name)) return *s;
  return Ctx::unwrap(audit::current_checkpoint(c.app().store(), signer_of(c))).checkpoint.size;
}

void inclusion(Ctx& c) {
  const auto seq = int_query(c, "seq");
  if (!seq || *seq < 1) Ctx::fail(Error::invalid("seq (1 or more) is required", "seq"));
  // Another org's entry answers 404 like a missing one: no hint that it exists.
  std::optional<std::string> org;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(org, store::audit_row_org(db, *seq));
    return {};
  });
  if (!org) Ctx::fail(Error::not_found("audit entry"));
  require_visible(c, *org, "audit entry");
  const int64_t size = size_or_latest(c, "size");
  if (*seq > size) Ctx::fail(Error::invalid("seq is beyond the tree size", "size"));
  json body;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(auto proof, audit::prove_inclusion(db, *seq, size));
    SECU_TRY(auto leaf, audit::node_reader(db)(0, *seq - 1));
    SECU_TRY(auto root, audit::tree_root(db, size));
    SECU_TRY(auto cp, audit::checkpoint_at(db, size));
    body = {{"seq", *seq},
            {"leaf_index", *seq - 1},
            {"tree_size", size},
            {"leaf_hash", crypto::hex_encode(leaf)},
            {"root", crypto::hex_encode(root)},
            {"proof", hex_list(proof)}};
    if (cp) body["checkpoint"] = cp->note;
    return {};
  });
  c.reply(200, body);
}

void consistency(Ctx& c) {
  const auto from = int_query(c, "from");
  if (!from) Ctx::fail(Error::invalid("from is required", "from"));
  const int64_t to = size_or_latest(c, "to");
  json body;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(auto proof, audit::prove_consistency(db, *from, to));
    SECU_TRY(auto from_root, audit::tree_root(db, *from));
    SECU_TRY(auto to_root, audit::tree_root(db, to));
    body = {{"from", *from},
            {"to", to},
            {"from_root", crypto::hex_encode(from_root)},
            {"to_root", crypto::hex_encode(to_root)},
            {"proof", hex_list(proof)}};
    return {};
  });
  c.reply(200, body);
}

void pubkey(Ctx& c) {
  const auto signer = signer_of(c);
  const auto key = signer.note_key();
  const std::string vkey = audit::verifier_key_text(key);
  if (wants_text(c)) {
    c.reply_text(200, vkey + "\n", "text/plain; charset=utf-8");
    return;
  }
  c.reply(200, {{"key_name", key.name},
                {"origin", signer.origin},
                {"algorithm", "ed25519"},
                {"public_key", crypto::base64_encode(key.public_key)},
                {"verifier_key", vkey}});
}

}  // namespace

void register_audit_routes(RouteTable& t) {
  t.add("GET", "/v1/audit/verify", Access::kPlatformAdmin,
        "Verify audit chain (platform admin): chain, Merkle tree and signed checkpoints", verify);
  t.add("GET", "/v1/audit/export.jsonl", Access::kViewer,
        "Export audit log (JSONL) (scoped by principal), with checkpoint and proofs",
        [](Ctx& c) { export_log(c, audit::ExportFormat::kJsonl); });
  t.add("GET", "/v1/audit/export.csv", Access::kViewer,
        "Export audit log (CSV) (scoped by principal), with checkpoint and proofs",
        [](Ctx& c) { export_log(c, audit::ExportFormat::kCsv); });
  t.add("GET", "/v1/audit/checkpoint", Access::kViewer,
        "The latest signed audit checkpoint (C2SP tlog-checkpoint)", checkpoint);
  t.add("GET", "/v1/audit/proof/inclusion", Access::kViewer,
        "Inclusion proof of an audit entry (?seq=&size=)", inclusion);
  t.add("GET", "/v1/audit/proof/consistency", Access::kViewer,
        "Consistency proof between two audit tree sizes (?from=&to=)", consistency);
  t.add("GET", "/v1/audit/pubkey", Access::kPublic,
        "The audit checkpoint verifier key (signed-note form)", pubkey);
}

}  // namespace secu::daemon
