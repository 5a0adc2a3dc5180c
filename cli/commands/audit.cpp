// secuctl audit verify|export|checkpoint|pubkey.
//
//   audit verify                         the server recomputes chain, tree and checkpoints;
//                                        exit 0 intact, 1 tampered (prints the first bad seq)
//   audit verify --file F --pubkey KEY   offline: signature, entries, proofs, and consistency
//                                        with the checkpoints secuctl accepted before for that
//                                        log; then remembers the export's checkpoint
//   audit export --format jsonl|csv      streamed to stdout or -O FILE, progress on a TTY
//   audit checkpoint [--pubkey KEY]      the latest checkpoint; with a key (or the one pinned
//                                        for that log) verified, checked and remembered
//   audit pubkey                         the verifier key to pass as --pubkey
//
// Accepted checkpoints live in $XDG_CONFIG_HOME/secu/audit/<origin>.json (0600), one file per
// log (origin), with the verifier key pinned at first use. Each checkpoint is added only after
// it was proven consistent with the ones there, so the file is one consistent history: an
// older export whose checkpoint is in it verifies with no server, and a log that was truncated
// or rolled back below (or rewritten beneath) any of them cannot prove itself again.
#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "commands/render.hpp"
#include "config.hpp"
#include "output.hpp"
#include "secu/audit/export.hpp"
#include "secu/crypto.hpp"
#include "secu/files.hpp"

namespace secu::cli {

namespace {

using nlohmann::json;
constexpr size_t kMaxSaved = 1000;  // accepted checkpoints kept per log

// ---- The saved checkpoints of one log. ------------------------------------------------------

struct SavedLog {
  std::string origin;
  std::string verifier_key;  // pinned at first save
  std::vector<audit::KnownCheckpoint> checkpoints;
  std::map<int64_t, std::string> notes;  // size → signed note
};

std::string saved_path(const std::string& origin) {
  std::string name;
  for (char c : origin)
    name.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_');
  return config_dir() + "/audit/" + name + ".json";
}

Result<SavedLog> load_saved(const std::string& origin) {
  SavedLog s;
  s.origin = origin;
  const std::string path = saved_path(origin);
  if (!files::exists(path)) return s;
  SECU_TRY(auto text, files::read_all(path));
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("origin", std::string()) != origin) {
    return Error::invalid(path + " is not a saved audit checkpoint file");
  }
  s.verifier_key = j.value("verifier_key", std::string());
  for (const auto& c : j.value("checkpoints", json::array())) {
    auto root = crypto::hex_decode(c.value("root", std::string()));
    if (!root.ok() || root->size() != 32) return Error::invalid(path + " holds a bad root");
    const int64_t size = c.value("size", int64_t{-1});
    s.checkpoints.push_back({size, *root});
    s.notes[size] = c.value("note", std::string());
  }
  return s;
}

Status save(SavedLog& s, const audit::Checkpoint& cp, const std::string& note,
            const std::string& verifier_key) {
  bool have = false;
  for (const auto& k : s.checkpoints)
    have = have || k.size == cp.size;
  if (!have) {
    s.checkpoints.push_back({cp.size, cp.root});
    s.notes[cp.size] = note;
  }
  std::sort(s.checkpoints.begin(), s.checkpoints.end(),
            [](const auto& a, const auto& b) { return a.size < b.size; });
  while (s.checkpoints.size() > kMaxSaved) {  // the oldest go first; the latest always stays
    s.notes.erase(s.checkpoints.front().size);
    s.checkpoints.erase(s.checkpoints.begin());
  }
  if (s.verifier_key.empty()) s.verifier_key = verifier_key;
  json out = {{"origin", s.origin}, {"verifier_key", s.verifier_key}};
  json list = json::array();
  for (const auto& k : s.checkpoints)
    list.push_back(
        {{"size", k.size}, {"root", crypto::hex_encode(k.root)}, {"note", s.notes[k.size]}});
  out["checkpoints"] = list;
  SECU_TRY_VOID(files::make_dir(config_dir() + "/audit", 0700));
  return files::write_atomic(saved_path(s.origin), out.dump(2) + "\n", 0600);
}

// --pubkey: the key text, or @FILE / a path holding it.
Result<audit::NoteKey> read_pubkey(const std::string& arg) {
  std::string text = arg;
  if (!arg.empty() && arg[0] == '@') {
    SECU_TRY(text, files::read_all(arg.substr(1)));
  } else if (arg.find('+') == std::string::npos && files::exists(arg)) {
    SECU_TRY(text, files::read_all(arg));
  }
  return audit::parse_verifier_key(text);
}

// Fetches a consistency proof from secud (GET /v1/audit/proof/consistency).
Result<audit::merkle::Proof> fetch_consistency(Deps& d, int64_t from, int64_t to) {
  SECU_TRY(auto client, d.client());
  SECU_TRY(auto r, client->call("GET", "/v1/audit/proof/consistency?from=" + std::to_string(from) +
                                           "&to=" + std::to_string(to)));
  auto j = json::parse(r.body, nullptr, false);
  if (!r.ok()) {
    std::string msg = "secud answered HTTP " + std::to_string(r.status);
    if (!j.is_discarded() && j.contains("error")) msg += ": " + j["error"].value("message", "");
    return Error::make(ErrorKind::kUpstream, "consistency_unavailable", msg);
  }
  audit::merkle::Proof p;
  if (j.is_discarded() || !j.contains("proof") || !j["proof"].is_array())
    return Error::internal("secud answered a malformed proof");
  for (const auto& h : j["proof"]) {
    auto raw = crypto::hex_decode(h.is_string() ? h.get<std::string>() : "");
    if (!raw.ok()) return Error::internal("secud answered a malformed proof");
    p.push_back(std::move(raw).value());
  }
  return p;
}

// ---- audit verify ---------------------------------------------------------------------------

struct VerifyOptions {
  std::string file;
  std::string pubkey;
  bool offline = false;  // never ask the server for a consistency proof
  bool no_save = false;
};

int verify_server_run(Deps& d) {
  auto r = call(d, "GET", "/v1/audit/verify");
  if (!r.ok()) return r.exit_code;
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return report_error(d, Error::internal("secud answered a non-JSON body"));
  const bool ok = j.value("ok", false);
  if (d.format() != OutputFormat::kTable) {
    print_object(d, j, {}, "first_bad_seq");
  } else if (ok) {
    *d.out << "ok: " << j.value("entries", int64_t{0}) << " entries intact (chain, tree and "
           << j.value("checkpoints_checked", int64_t{0}) << " checkpoints)\n"
           << "head " << j.value("head_hash", "") << "\nroot " << j.value("root", "") << "\n";
  } else {
    *d.out << "TAMPERED: first bad seq " << j.value("first_bad_seq", int64_t{0}) << " ("
           << j.value("reason", "") << "); " << j.value("entries", int64_t{0})
           << " entries in the log\n";
  }
  return ok ? kExitOk : kExitError;
}

int verify_file_run(const VerifyOptions& o, Deps& d) {
  if (o.pubkey.empty()) {
    return report_error(d, Error::invalid("--file needs --pubkey (see secuctl audit pubkey)"));
  }
  auto key = read_pubkey(o.pubkey);
  if (!key.ok()) return report_error(d, key.error());
  std::ifstream in(o.file, std::ios::binary);
  if (!in) return report_error(d, Error::invalid("cannot read " + o.file, "file"));
  auto saved = load_saved(key->name);
  if (!saved.ok()) return report_error(d, saved.error());
  audit::ExportVerifyOptions vo;
  vo.key = *key;
  vo.known = saved->checkpoints;
  if (!o.offline)
    vo.fetch_consistency = [&d](int64_t a, int64_t b) { return fetch_consistency(d, a, b); };
  const auto rep = audit::verify_export(in, vo);
  json j = {{"ok", rep.ok},
            {"file", o.file},
            {"format", rep.format},
            {"entries", rep.entries},
            {"complete", rep.complete},
            {"origin", rep.checkpoint.origin},
            {"size", rep.checkpoint.size},
            {"consistency", rep.consistency}};
  if (rep.consistency_with) j["consistency_with"] = rep.consistency_with;
  if (!rep.ok) {
    j["problem"] = rep.problem;
    if (rep.first_bad_seq) j["first_bad_seq"] = rep.first_bad_seq;
    if (rep.record) j["record"] = rep.record;
  }
  if (rep.ok && !o.no_save) {
    if (auto st = save(*saved, rep.checkpoint, rep.note, audit::verifier_key_text(*key)); !st.ok())
      return report_error(d, st.error());
  }
  if (d.format() != OutputFormat::kTable) {
    print_object(d, j, {}, "ok");
  } else if (rep.ok) {
    *d.out << "ok: " << rep.entries << (rep.complete ? " entries (the whole log)" : " entries")
           << " verified against checkpoint " << rep.checkpoint.origin << " size "
           << rep.checkpoint.size << "\n";
    if (rep.consistency == "none") {
      *d.out << "no checkpoint of this log was saved before; this one is now\n";
    } else {
      *d.out << "consistent with the saved checkpoint of size " << rep.consistency_with << " ("
             << rep.consistency << ")\n";
    }
  } else {
    *d.out << "TAMPERED: " << rep.problem;
    if (rep.first_bad_seq) *d.out << " (first bad seq " << rep.first_bad_seq << ")";
    if (rep.record) *d.out << " at record " << rep.record;
    *d.out << "\n";
  }
  return rep.ok ? kExitOk : kExitError;
}

// ---- audit export ---------------------------------------------------------------------------

struct ExportOptions {
  std::string format = "jsonl";
  std::string output;  // -O FILE; stdout when empty or "-"
  std::string org_id;
  std::string from;
  std::string to;
  int64_t consistency_from = -1;  // -1: the latest checkpoint saved for this log, if any
};

// The origin of the server's log (public endpoint), to find our saved checkpoints.
std::string server_origin(Deps& d) {
  auto r = d.anonymous_client()->call("GET", "/v1/audit/pubkey");
  if (!r.ok() || !r->ok()) return {};
  auto j = json::parse(r->body, nullptr, false);
  return j.is_discarded() ? std::string() : j.value("origin", std::string());
}

std::string human_bytes(uint64_t n) {
  char buf[32];
  if (n >= (1u << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1 << 20));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  }
  return buf;
}

int export_run(const ExportOptions& o, Deps& d) {
  if (o.format != "jsonl" && o.format != "csv") {
    return report_error(d, Error::invalid("--format must be jsonl or csv", "format"));
  }
  auto client = d.client();
  if (!client.ok()) return report_error(d, client.error());
  const auto& co = (*client)->options();

  std::vector<std::pair<std::string, std::string>> q;
  if (!o.org_id.empty()) q.emplace_back("org_id", o.org_id);
  if (!o.from.empty()) q.emplace_back("from", o.from);
  if (!o.to.empty()) q.emplace_back("to", o.to);
  int64_t since = o.consistency_from;
  const bool auto_since = since < 0;
  if (auto_since) {
    // Carry the proof from the last checkpoint we accepted, so the file verifies offline.
    if (const auto origin = server_origin(d); !origin.empty()) {
      auto saved = load_saved(origin);
      if (saved.ok() && !saved->checkpoints.empty()) since = saved->checkpoints.back().size;
    }
  }
  if (since >= 0) q.emplace_back("consistency_from", std::to_string(since));
  std::string path = "/v1/audit/export." + o.format;
  for (size_t i = 0; i < q.size(); ++i)
    path += (i ? "&" : "?") + q[i].first + "=" + url_encode(q[i].second);

  // Streamed: the export can be far larger than memory. Written to FILE.part and renamed
  // only once complete, so a cut-off download never looks like an export.
  const bool to_stdout = o.output.empty() || o.output == "-";
  const std::string part = o.output + ".part";
  std::ofstream file;
  if (!to_stdout) {
    file.open(part, std::ios::binary | std::ios::trunc);
    if (!file) return report_error(d, Error::invalid("cannot write " + part, "output"));
  }
  std::ostream& out = to_stdout ? *d.out : file;

  httplib::Client http(co.addr);
  http.set_tcp_nodelay(true);
  http.set_connection_timeout(5, 0);
  http.set_read_timeout(co.timeout_s, 0);
  if (!co.ca_file.empty()) http.set_ca_cert_path(co.ca_file.c_str());
  http.enable_server_certificate_verification(!co.insecure);
  httplib::Headers headers;
  if (!co.admin_token.empty()) headers.emplace("X-Secu-Admin-Token", co.admin_token);
  if (!co.bearer.empty()) headers.emplace("Authorization", "Bearer " + co.bearer);

  int status = 0;
  std::string error_body, request_id;
  uint64_t bytes = 0, records = 0;
  const bool progress = d.stderr_tty;
  auto res = http.Get(
      path, headers,
      [&](const httplib::Response& r) {
        status = r.status;
        request_id = r.get_header_value("X-Request-Id");
        return true;
      },
      [&](const char* data, size_t len) {
        if (status != 200) {
          if (error_body.size() < 65536) error_body.append(data, len);
          return true;
        }
        out.write(data, static_cast<std::streamsize>(len));
        bytes += len;
        for (size_t i = 0; i < len; ++i)
          records += data[i] == '\n';
        if (progress) {
          *d.err << "\rexporting: " << human_bytes(bytes) << ", " << records << " lines"
                 << std::flush;
        }
        return static_cast<bool>(out);
      });
  if (progress && bytes) *d.err << "\n";
  auto cleanup = [&] {
    if (!to_stdout) {
      file.close();
      std::remove(part.c_str());
    }
  };
  if (!res) {
    cleanup();
    if (status == 200) {
      return report_error(d, Error::make(ErrorKind::kUnavailable, "export_cut_off",
                                         "the export was cut off after " + human_bytes(bytes) +
                                             " (" + httplib::to_string(res.error()) + ")"));
    }
    return report_error(d, Error::make(ErrorKind::kUnavailable, "unreachable",
                                       "cannot reach secud at " + co.addr + " (" +
                                           httplib::to_string(res.error()) + ")"));
  }
  if (status != 200) {
    cleanup();
    auto err = json::parse(error_body, nullptr, false);
    if (auto_since && since >= 0 && status == 400 && !err.is_discarded() && err.contains("error") &&
        err["error"].value("field", "") == "consistency_from") {
      // The log is now smaller than a checkpoint this machine accepted from it.
      *d.out << "TAMPERED: the server's audit log is smaller than the checkpoint of size " << since
             << " saved for it: it was truncated or rolled back\n";
      return kExitError;
    }
    Reply r;
    r.status = status;
    r.body = error_body;
    r.request_id = request_id;
    return report_reply_error(d, r);
  }
  out.flush();
  if (!to_stdout) {
    file.close();
    if (!file || std::rename(part.c_str(), o.output.c_str()) != 0) {
      std::remove(part.c_str());
      return report_error(d, Error::invalid("cannot write " + o.output, "output"));
    }
    if (progress) *d.err << "wrote " << o.output << "\n";
  }
  return kExitOk;
}

// ---- audit checkpoint / pubkey -------------------------------------------------------------

struct CheckpointOptions {
  std::string pubkey;
  bool no_save = false;
};

int checkpoint_run(const CheckpointOptions& o, Deps& d) {
  auto r = call(d, "GET", "/v1/audit/checkpoint");
  if (!r.ok()) return r.exit_code;
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("note") || !j["note"].is_string())
    return report_error(d, Error::internal("secud answered a malformed checkpoint"));
  const std::string note = j["note"].get<std::string>();
  const std::string origin = j.value("origin", std::string());
  auto saved = load_saved(origin);
  if (!saved.ok()) return report_error(d, saved.error());
  std::string key_text = o.pubkey;
  if (key_text.empty()) key_text = saved->verifier_key;  // pinned at first use
  if (!key_text.empty()) {
    auto key = read_pubkey(key_text);
    if (!key.ok()) return report_error(d, key.error());
    auto cp = audit::open_checkpoint(note, *key);
    if (!cp.ok()) {
      *d.err << "secuctl: the checkpoint does not verify: " << cp.error().message << "\n";
      return kExitError;
    }
    // Consistency with the newest saved checkpoint (or the next larger one).
    const audit::KnownCheckpoint* with = nullptr;
    for (const auto& k : saved->checkpoints)
      if (!with || k.size > with->size) with = &k;
    std::string how = "none";
    if (with && with->size == cp->size) {
      if (with->root != cp->root) {
        *d.out << "TAMPERED: checkpoint size " << cp->size
               << " has another root than the one saved: the log was rewritten\n";
        return kExitError;
      }
      how = "same";
    } else if (with) {
      const bool newer = cp->size > with->size;
      const int64_t from = newer ? with->size : cp->size, to = newer ? cp->size : with->size;
      auto proof = fetch_consistency(d, from, to);
      if (!proof.ok() ||
          !audit::merkle::verify_consistency(from, to, newer ? with->root : cp->root,
                                             newer ? cp->root : with->root, *proof)) {
        *d.out << "TAMPERED: checkpoint size " << cp->size
               << " is not consistent with the saved checkpoint of size " << with->size
               << (proof.ok() ? "" : " (" + proof.error().message + ")") << "\n";
        return kExitError;
      }
      how = "consistent with saved size " + std::to_string(with->size);
    }
    if (!o.no_save) {
      if (auto st = save(*saved, *cp, note, audit::verifier_key_text(*key)); !st.ok())
        return report_error(d, st.error());
    }
    j["verified"] = true;
    j["consistency"] = how;
  }
  if (d.format() == OutputFormat::kTable && !d.global.quiet) {
    *d.out << note;
    if (j.value("verified", false)) {
      *d.err << "signature ok; " << j.value("consistency", "") << "\n";
    } else {
      *d.err << "not verified: pass --pubkey (secuctl audit pubkey) to check and save it\n";
    }
  } else {
    print_object(d, j, {}, "size");
  }
  return kExitOk;
}

int pubkey_run(Deps& d) {
  auto r = call(d, "GET", "/v1/audit/pubkey", {}, /*authenticated=*/false);
  if (!r.ok()) return r.exit_code;
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return report_error(d, Error::internal("secud answered a non-JSON body"));
  if (d.format() == OutputFormat::kTable) {
    *d.out << j.value("verifier_key", "") << "\n";
  } else {
    print_object(d, j, {}, "verifier_key");
  }
  return kExitOk;
}

}  // namespace

void add_audit_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* audit = app.add_subcommand("audit", "Verify and export the tamper-evident audit log");
  audit->require_subcommand(1);

  auto vo = std::make_shared<VerifyOptions>();
  auto* verify = audit->add_subcommand(
      "verify",
      "Verify the audit log: on the server (exit 0 intact, 1 tampered), or an export offline\n"
      "  secuctl audit verify\n"
      "  secuctl audit verify --file export.jsonl --pubkey \"$(secuctl audit pubkey)\"");
  verify->add_option("--file", vo->file, "an export (JSONL or CSV) to verify offline");
  verify->add_option("--pubkey", vo->pubkey, "verifier key NAME+HASH+KEY, or @FILE holding it");
  verify->add_flag("--offline", vo->offline,
                   "never ask secud for a consistency proof (the file must carry it)");
  verify->add_flag("--no-save", vo->no_save, "do not remember the export's checkpoint");
  calls(verify, {"GET /v1/audit/verify", "GET /v1/audit/proof/consistency"});
  verify->callback([vo, &d, &rs] {
    rs.run = [vo, &d] { return vo->file.empty() ? verify_server_run(d) : verify_file_run(*vo, d); };
  });

  auto eo = std::make_shared<ExportOptions>();
  auto* exp = audit->add_subcommand(
      "export",
      "Export the audit log with its signed checkpoint and proofs (streamed)\n"
      "  secuctl audit export --format jsonl -O audit.jsonl");
  exp->add_option("--format", eo->format, "jsonl or csv")->check(CLI::IsMember({"jsonl", "csv"}));
  exp->add_option("-O,--output", eo->output, "write to FILE instead of stdout");
  exp->add_option("--org-id", eo->org_id, "only this org (platform admin)");
  exp->add_option("--from", eo->from, "entries at or after this time (RFC 3339 or date)");
  exp->add_option("--to", eo->to, "entries before this time (RFC 3339 or date)");
  exp->add_option("--consistency-from", eo->consistency_from,
                  "carry a consistency proof from this tree size (default: the last "
                  "checkpoint saved for this log)");
  calls(exp, {"GET /v1/audit/export.jsonl", "GET /v1/audit/export.csv"});
  exp->callback([eo, &d, &rs] { rs.run = [eo, &d] { return export_run(*eo, d); }; });

  auto co = std::make_shared<CheckpointOptions>();
  auto* cp = audit->add_subcommand(
      "checkpoint", "Print the latest signed checkpoint; with a key, verify it and remember it");
  cp->add_option("--pubkey", co->pubkey, "verifier key (default: the one pinned for this log)");
  cp->add_flag("--no-save", co->no_save, "do not remember the checkpoint");
  calls(cp, {"GET /v1/audit/checkpoint"});
  cp->callback([co, &d, &rs] { rs.run = [co, &d] { return checkpoint_run(*co, d); }; });

  // Proofs as secud serves them (hex hashes), for auditors who check them with their own tools.
  auto* proof = audit->add_subcommand("proof", "Fetch Merkle proofs of the audit log");
  proof->require_subcommand(1);
  auto seq = std::make_shared<int64_t>(0), size = std::make_shared<int64_t>(0);
  auto* incl = proof->add_subcommand(
      "inclusion", "Inclusion proof of one entry\n  secuctl audit proof inclusion --seq 42");
  incl->add_option("--seq", *seq, "the entry's sequence number")->required();
  incl->add_option("--size", *size, "tree size the proof is for (default: the latest checkpoint)");
  calls(incl, {"GET /v1/audit/proof/inclusion"});
  incl->callback([seq, size, &d, &rs] {
    rs.run = [seq, size, &d] {
      return call_and_print(d, "GET",
                            "/v1/audit/proof/inclusion" +
                                query_string({{"seq", std::to_string(*seq)},
                                              {"size", *size ? std::to_string(*size) : ""}}),
                            nullptr, {}, "leaf_hash");
    };
  });
  auto from = std::make_shared<int64_t>(0), to = std::make_shared<int64_t>(0);
  auto* cons = proof->add_subcommand(
      "consistency", "Consistency proof between two tree sizes (the log only grew)");
  cons->add_option("--from", *from, "the older tree size")->required();
  cons->add_option("--to", *to, "the newer tree size (default: the latest checkpoint)");
  calls(cons, {"GET /v1/audit/proof/consistency"});
  cons->callback([from, to, &d, &rs] {
    rs.run = [from, to, &d] {
      return call_and_print(
          d, "GET",
          "/v1/audit/proof/consistency" + query_string({{"from", std::to_string(*from)},
                                                        {"to", *to ? std::to_string(*to) : ""}}),
          nullptr, {}, "to_root");
    };
  });

  auto* pk = audit->add_subcommand("pubkey", "Print the checkpoint verifier key (for --pubkey)");
  calls(pk, {"GET /v1/audit/pubkey"});
  pk->callback([&d, &rs] { rs.run = [&d] { return pubkey_run(d); }; });
}

}  // namespace secu::cli
