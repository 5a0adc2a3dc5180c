// Cryptography on libsodium: ids, tokens, hashes, password hashing, sealing, signatures.
//
// Thread-safety: every function is safe to call from any thread after init().
// Byte strings are std::string (binary-safe); secret key material lives in SecretBuffer
// (sodium_malloc'd, guard-paged, locked, wiped on destruction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "secu/result.hpp"

namespace secu::crypto {

// Initialises libsodium; call once before anything else. Fails only if the CPU/OS cannot
// provide randomness.
Status init();

// Move-only owner of secret bytes.
class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(size_t size);
  SecretBuffer(SecretBuffer&& o) noexcept : m_data(o.m_data), m_size(o.m_size) {
    o.m_data = nullptr;
    o.m_size = 0;
  }
  SecretBuffer& operator=(SecretBuffer&& o) noexcept;
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  ~SecretBuffer();

  static SecretBuffer from(std::string_view bytes);
  unsigned char* data() { return m_data; }
  const unsigned char* data() const { return m_data; }
  size_t size() const { return m_size; }
  std::string_view view() const { return {reinterpret_cast<const char*>(m_data), m_size}; }
  bool empty() const { return m_size == 0; }

 private:
  unsigned char* m_data = nullptr;
  size_t m_size = 0;
};

std::string random_bytes(size_t n);
// "agt_" + 26 lowercase base32 characters that sort in creation order: 13 for a strictly
// increasing (milliseconds × 1024 + sequence) stamp, 13 for 65 random bits. Lists ordered by
// (created_at, id) are then newest-first even within one millisecond, and inserts land at the
// right edge of the id index instead of all over it.
std::string random_id(std::string_view prefix);
// `bytes` random bytes, base64url without padding.
std::string random_token(size_t bytes = 32);

std::string base64url_encode(std::string_view bytes);
Result<std::string> base64url_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);  // standard alphabet, padded
Result<std::string> base64_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);
Result<std::string> hex_decode(std::string_view text);

// SHA-256 (raw 32 bytes). OpenSSL's libcrypto, which uses the CPU's SHA extensions where it
// has them (about 4x libsodium's portable code on an entry-sized input): every audit leaf,
// chain link and Merkle node is one of these.
std::string sha256(std::string_view data);
// Incremental SHA-256 for streams (audit verification, Merkle nodes). Move-only.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  std::string finish();  // raw 32 bytes

 private:
  struct CtxFree {
    void operator()(void* ctx) const;
  };
  std::unique_ptr<void, CtxFree> m_ctx;  // an EVP_MD_CTX (openssl stays out of this header)
  std::string m_fallback;  // the input, only when libcrypto could not start (libsodium then)
  bool m_use_fallback = false;
};

// Keyed BLAKE2b, `out_len` bytes (16..64). Key: 16..64 bytes.
std::string blake2b_keyed(std::string_view key, std::string_view data, size_t out_len = 32);
// The stored form of a bearer secret (admin token, agent key, email token): "b2:" + hex of
// the keyed BLAKE2b under `key`. Deterministic, so a presented secret is found by its hash.
std::string token_hash(const SecretBuffer& key, std::string_view token);
// Derives a 32-byte subkey of a 32-byte master key (crypto_kdf, context must be 8 chars).
SecretBuffer derive_key(const SecretBuffer& master, uint64_t id, const char context[8]);

// Constant-time equality (length leaks; contents do not).
bool constant_time_equal(std::string_view a, std::string_view b);

// Argon2id. Tests lower the cost; production keeps libsodium's INTERACTIVE limits or more.
struct PasswordCost {
  uint64_t ops = 2;                  // crypto_pwhash_OPSLIMIT_INTERACTIVE
  size_t mem = 64u * 1024u * 1024u;  // crypto_pwhash_MEMLIMIT_INTERACTIVE
};
Result<std::string> password_hash(std::string_view password, const PasswordCost& cost);
bool password_verify(std::string_view encoded_hash, std::string_view password);

// XChaCha20-Poly1305 with a random nonce: output is nonce ‖ ciphertext ‖ tag. `ad` is bound
// but not encrypted (e.g. the row id, so a sealed value cannot be moved to another row).
constexpr size_t kSealKeyBytes = 32;
std::string seal(const SecretBuffer& key, std::string_view plaintext, std::string_view ad);
Result<std::string> open(const SecretBuffer& key, std::string_view sealed, std::string_view ad);

// Ed25519.
struct SigningKey {
  SecretBuffer secret;     // 64 bytes (seed ‖ public key), libsodium layout
  std::string public_key;  // 32 bytes
};
SigningKey signing_key_generate();
Result<SigningKey> signing_key_from_seed(std::string_view seed32);
std::string sign(const SigningKey& key, std::string_view message);  // 64-byte signature
bool verify(std::string_view public_key, std::string_view message, std::string_view signature);

}  // namespace secu::crypto
