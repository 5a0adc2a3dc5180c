// The audit API against a real secud: verify, checkpoints, proofs (checked against a
// straightforward recursive RFC 6962 computation written here), exports scoped by principal,
// and secuctl's audit commands.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "secu/audit.hpp"
#include "secu/audit/checkpoint.hpp"
#include "secu/crypto.hpp"
#include "secu/db.hpp"
#include "support/fixture.hpp"
#include "support/identity_helpers.hpp"

using namespace secu;
using namespace secu::test;
using json = nlohmann::json;

namespace {

// ---- RFC 6962 §2.1, recursively over the leaf hashes (independent of libsecu's tree). ----
std::string H(const std::string& s) {
  return crypto::sha256(s);
}
int64_t split(int64_t n) {
  int64_t k = 1;
  while (k * 2 < n)
    k *= 2;
  return k;
}
std::string mth(const std::vector<std::string>& leaves, int64_t b, int64_t e) {
  if (e == b) return H("");
  if (e - b == 1) return leaves[static_cast<size_t>(b)];
  const int64_t k = split(e - b);
  return H("\x01" + mth(leaves, b, b + k) + mth(leaves, b + k, e));
}
std::vector<std::string> path(int64_t m, const std::vector<std::string>& l, int64_t b, int64_t e) {
  if (e - b == 1) return {};
  const int64_t k = split(e - b);
  auto p = m < k ? path(m, l, b, b + k) : path(m - k, l, b + k, e);
  p.push_back(m < k ? mth(l, b + k, e) : mth(l, b, b + k));
  return p;
}
std::vector<std::string> subproof(int64_t m, const std::vector<std::string>& l, int64_t b,
                                  int64_t e, bool flag) {
  if (m == e - b) return flag ? std::vector<std::string>{} : std::vector<std::string>{mth(l, b, e)};
  const int64_t k = split(e - b);
  auto p = m <= k ? subproof(m, l, b, b + k, flag) : subproof(m - k, l, b + k, e, false);
  p.push_back(m <= k ? mth(l, b + k, e) : mth(l, b, b + k));
  return p;
}

std::vector<std::string> unhex(const json& list) {
  std::vector<std::string> out;
  for (const auto& h : list)
    out.push_back(crypto::hex_decode(h.get<std::string>()).value());
  return out;
}

json get_ok(const Secud& s, const std::string& p) {
  auto r = admin(s, "GET", p);
  INFO(p << " → " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  return r.json();
}

std::vector<json> export_lines(const std::string& body) {
  std::vector<json> out;
  std::istringstream in(body);
  for (std::string l; std::getline(in, l);)
    out.push_back(json::parse(l));
  return out;
}

// The leaf hash of an exported entry, from its fields (SHA-256(0x00 ‖ canonical JSON)).
std::string leaf_of(const json& e) {
  const std::string ts = e["ts"], org = e["org_id"], at = e["actor"]["type"],
                    aid = e["actor"]["id"], action = e["action"], target = e["target"],
                    rid = e["request_id"];
  const std::string details = e["details"].dump();
  return H(std::string(1, '\0') +
           audit::canonical_json(audit::CanonicalFields{e["seq"].get<int64_t>(), ts, org, at, aid,
                                                        action, target, details, rid}));
}

std::string make_named_org(const Secud& s, const std::string& name) {
  auto r = admin(s, "POST", "/v1/orgs", json{{"name", name}}.dump());
  REQUIRE(r.status == 200);
  return r.json()["id"];
}

void make_agent(const Secud& s, const std::string& org, const std::string& name) {
  auto r = admin(s, "POST", "/v1/agents", json{{"org_id", org}, {"name", name}}.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
}

// Rows of audit_checkpoints in secud's database, read beside the running daemon (WAL).
int64_t checkpoints(const Secud& s, const std::string& where = "") {
  auto db = store::Db::open(s.data_dir() + "/secu.db", {.create = false});
  REQUIRE(db.ok());
  auto q = (*db)->query("SELECT COUNT(*) FROM audit_checkpoints " + where);
  REQUIRE(q.ok());
  REQUIRE(q->step().value());
  return q->int64(0);
}

audit::NoteKey server_key(const Secud& s) {
  auto r = http(s.url(), "GET", "/v1/audit/pubkey");  // public: no credentials
  REQUIRE(r.status == 200);
  return audit::parse_verifier_key(r.json()["verifier_key"].get<std::string>()).value();
}

}  // namespace

TEST_CASE("audit api: every write lands in a signed tree whose proofs match RFC 6962",
          "[audit][integration]") {
  REQUIRE(crypto::init().ok());
  Secud s;
  auto v = get_ok(s, "/v1/audit/verify");
  CHECK(v["ok"] == true);
  CHECK(v["entries"] == 0);
  CHECK(v["head_hash"] == audit::kGenesisHash);
  CHECK_FALSE(v.contains("first_bad_seq"));

  for (int i = 0; i < 4; ++i) {
    const auto org = make_named_org(s, "org " + std::to_string(i));
    for (int k = 0; k < i + 1; ++k)
      make_agent(s, org, "bot" + std::to_string(k));
  }
  const int64_t n = 4 + 1 + 2 + 3 + 4;
  v = get_ok(s, "/v1/audit/verify");
  CHECK(v["ok"] == true);
  CHECK(v["entries"] == n);

  // The checkpoint: a note signed by the key /v1/audit/pubkey names, over the current size.
  const auto key = server_key(s);
  const auto cp = get_ok(s, "/v1/audit/checkpoint");
  CHECK(cp["size"] == n);
  auto opened = audit::open_checkpoint(cp["note"].get<std::string>(), key);
  REQUIRE(opened.ok());
  CHECK(opened->size == n);
  CHECK(opened->origin == cp["origin"]);
  CHECK(key.name == cp["origin"]);
  CHECK(http(s.url(), "GET", "/v1/audit/checkpoint", "",
             {{"X-Secu-Admin-Token", s.admin_token()}, {"Accept", "text/plain"}})
            .body == cp["note"]);
  CHECK(http(s.url(), "GET", "/v1/audit/pubkey", "", {{"Accept", "text/plain"}}).body ==
        audit::verifier_key_text(key) + "\n");

  // The leaves, rebuilt from the complete export's fields.
  auto exp = admin(s, "GET", "/v1/audit/export.jsonl");
  REQUIRE(exp.status == 200);
  const auto lines = export_lines(exp.body);
  REQUIRE(lines.size() == static_cast<size_t>(n) + 2);
  std::vector<std::string> leaves;
  for (size_t i = 1; i <= static_cast<size_t>(n); ++i) {
    leaves.push_back(leaf_of(lines[i]));
    CHECK(crypto::hex_encode(leaves.back()) == lines[i]["leaf_hash"]);
  }
  CHECK(crypto::hex_encode(mth(leaves, 0, n)) == cp["root"]);
  CHECK(opened->root == mth(leaves, 0, n));
  CHECK(v["root"] == cp["root"]);

  // Every inclusion proof, at the latest size and at smaller ones, and every consistency proof.
  for (int64_t size = 1; size <= n; ++size) {
    for (int64_t seq = 1; seq <= size; ++seq) {
      auto p = get_ok(s, "/v1/audit/proof/inclusion?seq=" + std::to_string(seq) +
                             (size == n ? "" : "&size=" + std::to_string(size)));
      CHECK(p["tree_size"] == size);
      CHECK(p["leaf_hash"] == crypto::hex_encode(leaves[static_cast<size_t>(seq - 1)]));
      CHECK(p["root"] == crypto::hex_encode(mth(leaves, 0, size)));
      REQUIRE(unhex(p["proof"]) == path(seq - 1, leaves, 0, size));
    }
    auto c = get_ok(s, "/v1/audit/proof/consistency?from=" + std::to_string(size));
    CHECK(c["to"] == n);
    const auto want = (size == n) ? std::vector<std::string>{} : subproof(size, leaves, 0, n, true);
    REQUIRE(unhex(c["proof"]) == want);
    CHECK(c["from_root"] == crypto::hex_encode(mth(leaves, 0, size)));
  }
  CHECK(get_ok(s, "/v1/audit/proof/inclusion?seq=" + std::to_string(n))["checkpoint"] ==
        cp["note"]);

  // Bad parameters: 400 naming the field; an entry that does not exist: 404.
  struct Bad {
    std::string path;
    int status;
    std::string field;
  };
  const Bad bad[] = {
      {"/v1/audit/proof/inclusion", 400, "seq"},
      {"/v1/audit/proof/inclusion?seq=0", 400, "seq"},
      {"/v1/audit/proof/inclusion?seq=abc", 400, "seq"},
      {"/v1/audit/proof/inclusion?seq=-3", 400, "seq"},
      {"/v1/audit/proof/inclusion?seq=999", 404, ""},
      {"/v1/audit/proof/inclusion?seq=5&size=4", 400, "size"},
      {"/v1/audit/proof/inclusion?seq=1&size=999", 400, "size"},
      {"/v1/audit/proof/consistency", 400, "from"},
      {"/v1/audit/proof/consistency?from=5&to=4", 400, "from"},
      {"/v1/audit/proof/consistency?from=1&to=999", 400, "to"},
      {"/v1/audit/export.jsonl?from=yesterday", 400, "from"},
      {"/v1/audit/export.jsonl?consistency_from=999", 400, "consistency_from"},
      {"/v1/audit/export.csv?org_id=org_nosuchorg", 404, ""},
  };
  for (const auto& b : bad) {
    auto r = admin(s, "GET", b.path);
    INFO(b.path << " → " << r.body);
    CHECK(r.status == b.status);
    if (!b.field.empty()) CHECK(r.json()["error"]["field"] == b.field);
  }
  // Nothing was written by any of these reads.
  CHECK(get_ok(s, "/v1/audit/verify")["entries"] == n);
}

TEST_CASE("audit api: exports stream, are scoped by principal, and verify with secuctl",
          "[audit][integration]") {
  REQUIRE(crypto::init().ok());
  Secud s;
  auto a = signup_account(s, "ann@alpha.test", "alpha");
  auto b = signup_account(s, "bob@beta.test", "beta");
  for (int i = 0; i < 3; ++i) {
    make_agent(s, a.org_id, "a" + std::to_string(i));
    make_agent(s, b.org_id, "b" + std::to_string(i));
  }
  const std::string a_export = "/v1/audit/export.jsonl?org_id=" + a.org_id;

  // Streamed with chunked transfer encoding, as NDJSON / CSV.
  auto r = admin(s, "GET", a_export);
  REQUIRE(r.status == 200);
  CHECK(r.header("Transfer-Encoding") == "chunked");
  CHECK(r.header("Content-Type") == "application/x-ndjson");
  CHECK(admin(s, "GET", "/v1/audit/export.csv").header("Content-Type").rfind("text/csv", 0) == 0);
  auto lines = export_lines(r.body);
  REQUIRE(lines.size() >= 5);
  CHECK(lines.front()["scope"]["org_id"] == a.org_id);
  CHECK(lines.front()["complete"] == false);
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    CHECK(lines[i]["org_id"] == a.org_id);
    CHECK(lines[i]["proof"].is_array());
  }
  CHECK(r.body.find(b.org_id) == std::string::npos);

  // A user exports their own org only: the same entries without naming it, 404 for another.
  auto mine = http(s.url(), "GET", "/v1/audit/export.jsonl", "", bearer(a.token));
  REQUIRE(mine.status == 200);
  CHECK(mine.body.find(b.org_id) == std::string::npos);
  CHECK(export_lines(mine.body).size() == lines.size());
  CHECK(
      http(s.url(), "GET", "/v1/audit/export.csv?org_id=" + b.org_id, "", bearer(a.token)).status ==
      404);
  CHECK(
      http(s.url(), "GET", "/v1/audit/export.csv?org_id=" + a.org_id, "", bearer(a.token)).status ==
      200);
  // Verify is for the platform admin; proofs of another org's entries are 404.
  CHECK(http(s.url(), "GET", "/v1/audit/verify", "", bearer(a.token)).status == 403);
  CHECK(http(s.url(), "GET", "/v1/audit/verify").status == 401);
  CHECK(http(s.url(), "GET", "/v1/audit/checkpoint").status == 401);
  CHECK(http(s.url(), "GET", "/v1/audit/export.jsonl").status == 401);
  const int64_t a_seq = lines[1]["seq"];
  auto b_lines = export_lines(admin(s, "GET", "/v1/audit/export.jsonl?org_id=" + b.org_id).body);
  const int64_t b_seq = b_lines[1]["seq"];
  CHECK(http(s.url(), "GET", "/v1/audit/proof/inclusion?seq=" + std::to_string(a_seq), "",
             bearer(a.token))
            .status == 200);
  auto other = http(s.url(), "GET", "/v1/audit/proof/inclusion?seq=" + std::to_string(b_seq), "",
                    bearer(a.token));
  CHECK(other.status == 404);
  CHECK(other.body.find(b.org_id) == std::string::npos);
  // Time filters: nothing before 2000, everything after.
  auto none = export_lines(admin(s, "GET", a_export + "&to=2000-01-01").body);
  CHECK(none.size() == 2);
  CHECK(none.back()["entries"] == 0);
  CHECK(export_lines(admin(s, "GET", a_export + "&from=2000-01-01").body).size() == lines.size());

  // secuctl: export to a file (both formats), verify offline with the public key.
  TempDir home;
  const std::map<std::string, std::string> env = {{"XDG_CONFIG_HOME", home.path() + "/cfg"}};
  const std::vector<std::string> base = {"--addr", s.url(), "--admin-token", s.admin_token()};
  auto with = [&](std::vector<std::string> args) {
    auto all = base;
    all.insert(all.end(), args.begin(), args.end());
    return secuctl(all, env);
  };
  auto pk = with({"audit", "pubkey"});
  REQUIRE(pk.exit_code == 0);
  const std::string key = pk.out.substr(0, pk.out.find('\n'));
  CHECK(audit::parse_verifier_key(key).ok());

  for (std::string fmt : {"jsonl", "csv"}) {
    const std::string file = home.path() + "/alpha." + fmt;
    auto e = with({"audit", "export", "--format", fmt, "-O", file, "--org-id", a.org_id});
    INFO(e.err);
    REQUIRE(e.exit_code == 0);
    CHECK(e.out.empty());
    CHECK_FALSE(slurp(file).empty());
    auto ok = with({"audit", "verify", "--file", file, "--pubkey", key});
    INFO(ok.out << ok.err);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("ok: ") == 0);
    // One edited byte: tampered, exit 1.
    std::string text = slurp(file);
    const auto at = text.find("agent.create");
    REQUIRE(at != std::string::npos);
    text[at] = 'A';
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    auto bad = with({"audit", "verify", "--file", file, "--pubkey", key});
    CHECK(bad.exit_code == 1);
    CHECK(bad.out.find("TAMPERED") == 0);
  }
  // The whole log, as the user would get it with their own token.
  const std::string user_file = home.path() + "/mine.jsonl";
  auto ue =
      secuctl({"--addr", s.url(), "--token", a.token, "audit", "export", "-O", user_file}, env);
  INFO(ue.err);
  REQUIRE(ue.exit_code == 0);
  CHECK(with({"audit", "verify", "--file", user_file, "--pubkey", key}).exit_code == 0);
  CHECK(slurp(user_file).find(b.org_id) == std::string::npos);

  // Server-side verify and the checkpoint commands.
  auto sv = with({"audit", "verify"});
  CHECK(sv.exit_code == 0);
  CHECK(sv.out.find("ok: ") == 0);
  auto sj = with({"-o", "json", "audit", "verify"});
  CHECK(json::parse(sj.out)["ok"] == true);
  auto cpk = with({"audit", "checkpoint", "--pubkey", key});
  INFO(cpk.err);
  CHECK(cpk.exit_code == 0);
  CHECK(cpk.out.rfind(key.substr(0, key.find('+')) + "\n", 0) == 0);  // the note, origin first
  CHECK(with({"audit", "checkpoint"}).exit_code == 0);                // pinned key: verified again
  auto wrong_key = audit::verifier_key_text(audit::make_note_key(
      key.substr(0, key.find('+')), crypto::signing_key_generate().public_key));
  CHECK(with({"audit", "checkpoint", "--pubkey", wrong_key}).exit_code == 1);
  CHECK(secuctl({"--addr", s.url(), "--token", a.token, "audit", "verify"}, env).exit_code == 3);
}

TEST_CASE("audit api: secud signs checkpoints in the background and stops cleanly",
          "[audit][integration]") {
  Secud s;
  make_named_org(s, "one");
  make_named_org(s, "two");
  // Nobody asks for a checkpoint: the background signer covers the new size within a second
  // or so (it ticks once a second and signs only when the tree grew).
  bool signed_2 = false;
  for (int i = 0; i < 50 && !signed_2; ++i) {
    signed_2 = checkpoints(s, "WHERE size = 2") == 1;
    if (!signed_2) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(signed_2);
  const auto before = checkpoints(s);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(checkpoints(s) == before);  // idle tree: no new signatures
  CHECK(s.stop() == 0);             // SIGTERM: the signer thread joins
  s.start();
  CHECK(admin(s, "GET", "/v1/audit/verify").json()["ok"] == true);
}
