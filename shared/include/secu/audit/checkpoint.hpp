// C2SP tlog-checkpoints as C2SP signed notes (Ed25519), pure formatting and crypto.
//
//   checkpoint body:  "<origin>\n<size>\n<base64 root>\n"                (c2sp.org/tlog-checkpoint)
//   signed note:      body + "\n" + "— <name> <base64(key hash ‖ sig)>\n"  (c2sp.org/signed-note)
//   key hash:         first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ 32-byte public key)
//   verifier key:     "<name>+<key hash, 8 hex digits>+<base64(0x01 ‖ public key)>"
//
// The signature covers the body exactly (every byte, the final newline included). secud names
// its key after the log's origin ("secud/<install id>"), so the verifier key says which log it
// verifies. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "secu/crypto.hpp"
#include "secu/result.hpp"

namespace secu::audit {

struct Checkpoint {
  std::string origin;
  int64_t size = 0;
  std::string root;  // raw 32 bytes
};

std::string checkpoint_body(const Checkpoint& c);
// Parses a checkpoint body (extension lines after the root are allowed and ignored).
Result<Checkpoint> parse_checkpoint_body(std::string_view body);

// A signed-note verifier: who signs (name), the key hash the signature lines carry, the key.
struct NoteKey {
  std::string name;
  uint32_t hash = 0;
  std::string public_key;  // 32 bytes
};

uint32_t note_key_hash(std::string_view name, std::string_view public_key);
NoteKey make_note_key(std::string name, std::string_view public_key);
// "<name>+<8 hex>+<base64(0x01 ‖ key)>", the form `secuctl audit verify --pubkey` takes.
std::string verifier_key_text(const NoteKey& k);
// Parses a verifier key; checks the name's syntax, the algorithm byte and the key hash.
Result<NoteKey> parse_verifier_key(std::string_view text);
// A key name is non-empty and holds no whitespace and no '+'.
bool valid_key_name(std::string_view name);

// Signs `body` (which must end with '\n') as a signed note under `name`.
std::string sign_note(std::string_view body, std::string_view name, const crypto::SigningKey& key);
// Checks that `note` carries a signature line by `key` that verifies, and returns its body.
// Lines of other signers are ignored; a line claiming `key`'s name and hash that does not
// verify is an error, as is a note without any line of `key`.
Result<std::string> open_note(std::string_view note, const NoteKey& key);

// The signed checkpoint note under `name` (secud: the origin).
std::string sign_checkpoint(const Checkpoint& c, std::string_view name,
                            const crypto::SigningKey& key);
// open_note + parse_checkpoint_body.
Result<Checkpoint> open_checkpoint(std::string_view note, const NoteKey& key);

}  // namespace secu::audit
