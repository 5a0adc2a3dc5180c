#include "secu/audit/checkpoint.hpp"

#include <charconv>
#include <cstdio>
#include <vector>

namespace secu::audit {

namespace {

// U+2014 EM DASH and a space start every signature line.
constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";
constexpr char kAlgEd25519 = 0x01;

Error bad_note(std::string message) {
  return Error::make(ErrorKind::kInvalid, "bad_checkpoint", std::move(message));
}

std::vector<std::string_view> split_lines(std::string_view text) {
  // `text` ends with '\n'; every line is returned without it.
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

bool parse_size(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i)
    s[static_cast<size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  return s;
}

uint32_t read_be32(std::string_view s) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(s[static_cast<size_t>(i)]);
  return v;
}

}  // namespace

std::string checkpoint_body(const Checkpoint& c) {
  return c.origin + "\n" + std::to_string(c.size) + "\n" + crypto::base64_encode(c.root) + "\n";
}

Result<Checkpoint> parse_checkpoint_body(std::string_view body) {
  if (body.empty() || body.back() != '\n')
    return bad_note("the checkpoint must end with a newline");
  const auto lines = split_lines(body);
  if (lines.size() < 3) return bad_note("a checkpoint has an origin, a size and a root hash");
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin.empty()) return bad_note("the checkpoint origin is empty");
  if (!parse_size(lines[1], c.size)) return bad_note("the checkpoint size is not a decimal number");
  auto root = crypto::base64_decode(lines[2]);
  if (!root.ok() || root->size() != 32)
    return bad_note("the checkpoint root is not a 32-byte hash");
  c.root = std::move(root).value();
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return bad_note("a checkpoint has no empty lines");
  }
  return c;
}

bool valid_key_name(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= ' ' || c == '+' || c == 0x7f) return false;
  }
  return true;
}

uint32_t note_key_hash(std::string_view name, std::string_view public_key) {
  crypto::Sha256 h;
  h.update(name);
  h.update("\n");
  h.update(std::string_view(&kAlgEd25519, 1));
  h.update(public_key);
  return read_be32(h.finish());
}

NoteKey make_note_key(std::string name, std::string_view public_key) {
  NoteKey k;
  k.hash = note_key_hash(name, public_key);
  k.name = std::move(name);
  k.public_key = std::string(public_key);
  return k;
}

std::string verifier_key_text(const NoteKey& k) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", k.hash);
  return k.name + "+" + hex + "+" +
         crypto::base64_encode(std::string(1, kAlgEd25519) + k.public_key);
}

Result<NoteKey> parse_verifier_key(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  // NAME+HASH+KEY: the name holds no '+' and the hash is hex, but base64 may hold '+', so
  // split from the left.
  const auto p1 = text.find('+');
  const auto p2 = p1 == std::string_view::npos ? p1 : text.find('+', p1 + 1);
  auto bad = [] {
    return Error::invalid("the public key must look like NAME+HASH+KEY (secuctl audit pubkey)",
                          "pubkey");
  };
  if (p1 == std::string_view::npos || p2 == std::string_view::npos || p1 == 0) return bad();
  const auto name = text.substr(0, p1);
  const auto hash_hex = text.substr(p1 + 1, p2 - p1 - 1);
  if (!valid_key_name(name) || hash_hex.size() != 8) return bad();
  auto hash_raw = crypto::hex_decode(hash_hex);
  auto key = crypto::base64_decode(text.substr(p2 + 1));
  if (!hash_raw.ok() || !key.ok() || key->size() != 33 || (*key)[0] != kAlgEd25519) return bad();
  NoteKey k = make_note_key(std::string(name), std::string_view(*key).substr(1));
  if (k.hash != read_be32(*hash_raw)) {
    return Error::invalid("the public key's hash does not match its name and key", "pubkey");
  }
  return k;
}

std::string sign_note(std::string_view body, std::string_view name, const crypto::SigningKey& key) {
  const uint32_t hash = note_key_hash(name, key.public_key);
  const std::string sig = crypto::sign(key, body);
  std::string out(body);
  out += "\n";
  out += kSigPrefix;
  out += name;
  out += " ";
  out += crypto::base64_encode(be32(hash) + sig);
  out += "\n";
  return out;
}

Result<std::string> open_note(std::string_view note, const NoteKey& key) {
  // The body ends at the last blank line (signed-note: text, blank line, signature lines).
  if (note.empty() || note.back() != '\n')
    return bad_note("the signed note must end with a newline");
  const auto split = note.rfind("\n\n");
  if (split == std::string_view::npos) return bad_note("the note has no signature block");
  const std::string_view body = note.substr(0, split + 1);
  const std::string_view sigs = note.substr(split + 2);
  bool found = false;
  for (auto line : split_lines(sigs)) {
    if (!line.starts_with(kSigPrefix)) return bad_note("malformed signature line");
    line.remove_prefix(kSigPrefix.size());
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos) return bad_note("malformed signature line");
    const auto name = line.substr(0, sp);
    auto raw = crypto::base64_decode(line.substr(sp + 1));
    if (!raw.ok() || raw->size() < 5) return bad_note("malformed signature");
    if (name != key.name || read_be32(*raw) != key.hash) continue;  // another signer
    if (raw->size() != 4 + 64 ||
        !crypto::verify(key.public_key, body, std::string_view(*raw).substr(4))) {
      return Error::make(ErrorKind::kInvalid, "bad_signature",
                         "the checkpoint signature does not verify with this public key");
    }
    found = true;
  }
  if (!found) {
    return Error::make(ErrorKind::kInvalid, "bad_signature",
                       "the checkpoint is not signed by " + key.name);
  }
  return std::string(body);
}

std::string sign_checkpoint(const Checkpoint& c, std::string_view name,
                            const crypto::SigningKey& key) {
  return sign_note(checkpoint_body(c), name, key);
}

Result<Checkpoint> open_checkpoint(std::string_view note, const NoteKey& key) {
  SECU_TRY(auto body, open_note(note, key));
  return parse_checkpoint_body(body);
}

}  // namespace secu::audit
