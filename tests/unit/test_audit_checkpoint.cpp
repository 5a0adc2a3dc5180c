// Canonical entry JSON, signed-note checkpoints and verifier keys.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "secu/audit.hpp"
#include "secu/audit/checkpoint.hpp"
#include "secu/clock.hpp"
#include "secu/crypto.hpp"

using namespace secu;
using namespace secu::audit;

namespace {
// The definition the hand-built canonical JSON must reproduce byte for byte.
std::string reference_canonical(int64_t seq, int64_t ts, const Entry& e) {
  nlohmann::json j = {
      {"seq", seq},           {"ts", format_rfc3339(ts)},
      {"org_id", e.org_id},   {"actor", {{"type", e.actor.type}, {"id", e.actor.id}}},
      {"action", e.action},   {"target", e.target},
      {"details", e.details}, {"request_id", e.request_id},
  };
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

TEST_CASE("canonical JSON is byte-identical to nlohmann's dump of the entry", "[audit]") {
  const std::string tricky[] = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      "controls \b\f\n\r\t \x01\x1f \x7f",
      std::string("nul \0 inside", 12),
      "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x94\x91",  // valid UTF-8
      "bad \xff\xfe utf8 \xc3",                     // invalid UTF-8: replaced
      "=1+2 -3 @x '",
  };
  int64_t seq = 1;
  for (const auto& s : tricky) {
    CAPTURE(s);
    Entry e;
    e.org_id = s;
    e.actor = {s, s + "id"};
    e.action = s;
    e.target = s;
    e.request_id = s;
    e.details = {{"k", s},    {"n", -5},          {"f", 1.5},
                 {"b", true}, {"a", {1, "x", s}}, {"o", {{"z", s}}}};
    CHECK(canonical_json(seq, 1700000000123 + seq, e) ==
          reference_canonical(seq, 1700000000123 + seq, e));
    ++seq;
  }
}

TEST_CASE("checkpoints: C2SP bodies, signed notes and verifier keys", "[audit]") {
  REQUIRE(crypto::init().ok());
  const auto key = crypto::signing_key_generate();
  const std::string name = "secud/abc123";
  Checkpoint c{name, 42, crypto::sha256("root")};
  const std::string body = checkpoint_body(c);
  CHECK(body == name + "\n42\n" + crypto::base64_encode(c.root) + "\n");

  const std::string note = sign_checkpoint(c, name, key);
  // body, blank line, "— name base64(4-byte key hash ‖ 64-byte signature)"
  REQUIRE(note.rfind(body + "\n\xe2\x80\x94 " + name + " ", 0) == 0);
  const auto sig_b64 = note.substr(body.size() + 1 + 4 + name.size() + 1);
  auto sig = crypto::base64_decode(sig_b64.substr(0, sig_b64.size() - 1));
  REQUIRE(sig.ok());
  REQUIRE(sig->size() == 68);
  const auto k = make_note_key(name, key.public_key);
  // Key hash: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), big-endian.
  const auto h = crypto::sha256(name + "\n\x01" + key.public_key);
  CHECK(sig->substr(0, 4) == h.substr(0, 4));
  CHECK(crypto::verify(key.public_key, body, sig->substr(4)));

  auto opened = open_checkpoint(note, k);
  REQUIRE(opened.ok());
  CHECK(opened->origin == name);
  CHECK(opened->size == 42);
  CHECK(opened->root == c.root);

  // The verifier key round-trips through its text form.
  const std::string vkey = verifier_key_text(k);
  CHECK(vkey.rfind(name + "+", 0) == 0);
  auto parsed = parse_verifier_key(vkey + "\n");
  REQUIRE(parsed.ok());
  CHECK(parsed->name == name);
  CHECK(parsed->hash == k.hash);
  CHECK(parsed->public_key == key.public_key);
  CHECK_FALSE(parse_verifier_key("nonsense").ok());
  CHECK_FALSE(parse_verifier_key(name + "+00000000+" + vkey.substr(vkey.rfind('+') + 1)).ok());
  CHECK_FALSE(parse_verifier_key("+" + vkey).ok());
  // Keys whose base64 holds '+' parse too (the split is from the left).
  for (int i = 0; i < 40; ++i) {
    const auto other = crypto::signing_key_generate();
    const auto text = verifier_key_text(make_note_key(name, other.public_key));
    auto p = parse_verifier_key(text);
    REQUIRE(p.ok());
    CHECK(p->public_key == other.public_key);
  }

  SECTION("any change to the note fails") {
    for (size_t i = 0; i < body.size(); ++i) {
      std::string bad = note;
      bad[i] = static_cast<char>(bad[i] ^ 1);
      CHECK_FALSE(open_checkpoint(bad, k).ok());
    }
  }
  SECTION("another key, another name, or no signature fails") {
    const auto other = crypto::signing_key_generate();
    CHECK_FALSE(open_checkpoint(note, make_note_key(name, other.public_key)).ok());
    CHECK_FALSE(open_checkpoint(sign_checkpoint(c, name, other), k).ok());
    CHECK_FALSE(open_checkpoint(note, make_note_key("secud/other", key.public_key)).ok());
    CHECK_FALSE(open_checkpoint(body, k).ok());
    CHECK_FALSE(open_checkpoint(body + "\n", k).ok());
  }
  SECTION("a co-signature by someone else is ignored") {
    const auto witness = crypto::signing_key_generate();
    const std::string cosigned =
        note + sign_note(body, "witness.example", witness).substr(body.size() + 1);
    CHECK(open_checkpoint(cosigned, k).ok());
    CHECK(open_checkpoint(cosigned, make_note_key("witness.example", witness.public_key)).ok());
  }
  SECTION("malformed bodies are rejected") {
    CHECK_FALSE(parse_checkpoint_body("o\n01\n" + crypto::base64_encode(c.root) + "\n").ok());
    CHECK_FALSE(parse_checkpoint_body("o\n-1\n" + crypto::base64_encode(c.root) + "\n").ok());
    CHECK_FALSE(parse_checkpoint_body("o\n1\nAAAA\n").ok());
    CHECK_FALSE(parse_checkpoint_body("\n1\n" + crypto::base64_encode(c.root) + "\n").ok());
    CHECK(parse_checkpoint_body("o\n1\n" + crypto::base64_encode(c.root) + "\next\n").ok());
  }
}
