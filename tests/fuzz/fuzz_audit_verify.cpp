// The offline audit-file verifier (`secuctl audit verify --file F --pubkey KEY`:
// audit::verify_export) on hostile files, plus the parsers it sits on (verifier keys, signed
// checkpoint notes). The key is fixed ("secud/fuzz", the seed fuzz_audit_export signs with), so
// corpus files written by SECU_FUZZ_WRITE_EXPORTS pass the signature and the fuzzer mutates
// real entries, proofs and end records. A verified file must be self-consistent: its
// checkpoint opens with the key and holds at least the entries counted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "secu/audit/checkpoint.hpp"
#include "secu/audit/export.hpp"
#include "secu/crypto.hpp"

using namespace secu;

namespace {

const audit::NoteKey& note_key() {
  static const audit::NoteKey k = [] {
    FUZZ_REQUIRE(crypto::init().ok());
    auto sk = crypto::signing_key_from_seed(std::string(32, 'a'));
    FUZZ_REQUIRE(sk.ok());
    return audit::make_note_key("secud/fuzz", sk->public_key);
  }();
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto& key = note_key();

  // As a whole file, first with nothing known, then against a known earlier checkpoint (no
  // server: consistency must come from the file or fail).
  for (int known = 0; known < 2; ++known) {
    audit::ExportVerifyOptions vo{key, {}, {}};
    if (known) vo.known.push_back({1, crypto::sha256("secu fuzz")});
    std::istringstream in(text);
    const auto rep = audit::verify_export(in, vo);
    if (rep.ok) {
      FUZZ_REQUIRE(rep.entries >= 0 && rep.entries <= rep.checkpoint.size);
      FUZZ_REQUIRE(audit::open_checkpoint(rep.note, key).ok());
    } else {
      FUZZ_REQUIRE(!rep.problem.empty());
    }
  }

  // As a verifier key and as a signed note.
  if (auto k = audit::parse_verifier_key(text); k.ok()) {
    FUZZ_REQUIRE(audit::valid_key_name(k->name) && k->public_key.size() == 32);
    auto again = audit::parse_verifier_key(audit::verifier_key_text(*k));
    FUZZ_REQUIRE(again.ok() && again->name == k->name && again->public_key == k->public_key);
  }
  if (auto cp = audit::open_checkpoint(text, key); cp.ok()) {
    FUZZ_REQUIRE(cp->size >= 0 && cp->root.size() == 32);
  }
  (void)audit::parse_checkpoint_body(text);
  return 0;
}
