#include "secu/crypto.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace secu::crypto {

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == kSealKeyBytes);

Status init() {
  if (sodium_init() < 0) return Error::internal("libsodium could not be initialised");
  return {};
}

// ---- SecretBuffer -----------------------------------------------------------------------------

SecretBuffer::SecretBuffer(size_t size) : m_size(size) {
  if (size == 0) return;
  m_data = static_cast<unsigned char*>(sodium_malloc(size));
  if (!m_data) throw std::bad_alloc();
}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& o) noexcept {
  if (this != &o) {
    if (m_data) sodium_free(m_data);
    m_data = o.m_data;
    m_size = o.m_size;
    o.m_data = nullptr;
    o.m_size = 0;
  }
  return *this;
}

SecretBuffer::~SecretBuffer() {
  if (m_data) sodium_free(m_data);  // sodium_free zeroes before releasing
}

SecretBuffer SecretBuffer::from(std::string_view bytes) {
  SecretBuffer b(bytes.size());
  if (!bytes.empty()) std::memcpy(b.data(), bytes.data(), bytes.size());
  return b;
}

// ---- randomness and encodings -----------------------------------------------------------------

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

namespace {

// Base32 in ASCII order (digits before letters), so string order is numeric order.
constexpr char kSortedBase32[] = "234567abcdefghijklmnopqrstuvwxyz";

// 13 symbols = 65 bits, most significant first (the top bit is always 0 for a uint64_t).
void append_base32(std::string& out, uint64_t v) {
  for (int shift = 60; shift >= 0; shift -= 5)
    out.push_back(kSortedBase32[(v >> shift) & 31]);
}

// Strictly increasing across threads: the wall clock in ms × 1024, or the last stamp + 1 when
// the clock has not moved on (or stepped back).
uint64_t next_id_stamp() {
  static std::atomic<uint64_t> last{0};
  const auto ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  uint64_t prev = last.load(std::memory_order_relaxed);
  uint64_t next;
  do {
    next = std::max(ms << 10, prev + 1);
  } while (!last.compare_exchange_weak(prev, next, std::memory_order_relaxed));
  return next;
}

}  // namespace

std::string random_id(std::string_view prefix) {
  std::string out(prefix);
  out.reserve(prefix.size() + 27);
  out.push_back('_');
  append_base32(out, next_id_stamp());
  uint64_t rnd = 0;
  randombytes_buf(&rnd, sizeof rnd);
  // 13 random symbols: one from its own draw, twelve from 60 bits of a 64-bit draw.
  out.push_back(kSortedBase32[randombytes_uniform(32)]);
  for (int shift = 55; shift >= 0; shift -= 5)
    out.push_back(kSortedBase32[(rnd >> shift) & 31]);
  return out;
}

std::string random_token(size_t bytes) {
  return base64url_encode(random_bytes(bytes));
}

namespace {
std::string b64_encode(std::string_view bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}
Result<std::string> b64_decode(std::string_view text, int variant) {
  std::string out(text.size() * 3 / 4 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return Error::invalid("malformed base64");
  }
  out.resize(len);
  return out;
}
}  // namespace

std::string base64url_encode(std::string_view b) {
  return b64_encode(b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
Result<std::string> base64url_decode(std::string_view t) {
  return b64_decode(t, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
std::string base64_encode(std::string_view b) {
  return b64_encode(b, sodium_base64_VARIANT_ORIGINAL);
}
Result<std::string> base64_decode(std::string_view t) {
  return b64_decode(t, sodium_base64_VARIANT_ORIGINAL);
}

std::string hex_encode(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  out.pop_back();
  return out;
}

Result<std::string> hex_decode(std::string_view text) {
  std::string out(text.size() / 2 + 1, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                     text.size(), nullptr, &len, &end) != 0 ||
      end != text.data() + text.size()) {
    return Error::invalid("malformed hex");
  }
  out.resize(len);
  return out;
}

// ---- hashes -----------------------------------------------------------------------------------

namespace {

const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // fetched once per process
  return md;
}

struct EvpCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string sodium_sha256(std::string_view data) {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return out;
}

}  // namespace

std::string sha256(std::string_view data) {
  // One context per thread, reset per hash: no allocation on the hot path.
  thread_local std::unique_ptr<EVP_MD_CTX, EvpCtxFree> ctx(EVP_MD_CTX_new());
  std::string out(crypto_hash_sha256_BYTES, '\0');
  unsigned len = 0;
  if (ctx && sha256_md() && EVP_DigestInit_ex2(ctx.get(), sha256_md(), nullptr) == 1 &&
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 &&
      EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) == 1 &&
      len == out.size())
    return out;
  return sodium_sha256(data);  // the same digest; libcrypto could not start (out of memory)
}

namespace {
// Contexts of finished Sha256 objects, kept per thread for the next one: audit verify and
// export hash two or three times per entry, and a fresh EVP_MD_CTX each time (allocation,
// digest up-ref, cleanse, free) cost about as much as the hashing itself.
struct CtxPool {
  static constexpr size_t kKeep = 8;
  std::vector<EVP_MD_CTX*> free;
  ~CtxPool() {
    for (auto* c : free)
      EVP_MD_CTX_free(c);
    gone = true;
  }
  static thread_local bool gone;  // this thread's pool was destroyed (thread exit)
};
thread_local bool CtxPool::gone = false;
thread_local CtxPool ctx_pool;

EVP_MD_CTX* take_ctx() {
  if (!CtxPool::gone && !ctx_pool.free.empty()) {
    EVP_MD_CTX* c = ctx_pool.free.back();
    ctx_pool.free.pop_back();
    return c;
  }
  return EVP_MD_CTX_new();
}
}  // namespace

void Sha256::CtxFree::operator()(void* ctx) const {
  auto* c = static_cast<EVP_MD_CTX*>(ctx);
  if (!CtxPool::gone && ctx_pool.free.size() < CtxPool::kKeep) {
    ctx_pool.free.push_back(c);  // EVP_DigestInit_ex2 resets it for the next user
    return;
  }
  EVP_MD_CTX_free(c);
}

Sha256::Sha256() : m_ctx(take_ctx()) {
  auto* c = static_cast<EVP_MD_CTX*>(m_ctx.get());
  m_use_fallback = !c || !sha256_md() || EVP_DigestInit_ex2(c, sha256_md(), nullptr) != 1;
}
void Sha256::update(std::string_view data) {
  if (m_use_fallback) {
    m_fallback.append(data);
  } else if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx.get()), data.data(), data.size()) !=
             1) {
    // SHA-256 updates cannot fail once initialised; a silently wrong digest would corrupt the
    // audit chain, so stop rather than answer one.
    std::abort();
  }
}
std::string Sha256::finish() {
  if (m_use_fallback) return sodium_sha256(m_fallback);
  std::string out(crypto_hash_sha256_BYTES, '\0');
  unsigned len = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx.get()),
                         reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != out.size())
    std::abort();  // as in update()
  return out;
}

std::string blake2b_keyed(std::string_view key, std::string_view data, size_t out_len) {
  std::string out(out_len, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out_len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                     reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return out;
}

std::string token_hash(const SecretBuffer& key, std::string_view token) {
  return "b2:" + hex_encode(blake2b_keyed(key.view(), token));
}

SecretBuffer derive_key(const SecretBuffer& master, uint64_t id, const char context[8]) {
  SecretBuffer out(32);
  crypto_kdf_derive_from_key(out.data(), out.size(), id, context, master.data());
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---- passwords --------------------------------------------------------------------------------

Result<std::string> password_hash(std::string_view password, const PasswordCost& cost) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops, cost.mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::internal("password hashing failed (out of memory)");
  }
  return std::string(out);
}

bool password_verify(std::string_view encoded_hash, std::string_view password) {
  std::string h(encoded_hash);  // must be NUL-terminated
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

// ---- sealing ----------------------------------------------------------------------------------

std::string seal(const SecretBuffer& key, std::string_view plaintext, std::string_view ad) {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string out(kNonce + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(o, kNonce);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      o + kNonce, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, o, key.data());
  out.resize(kNonce + clen);
  return out;
}

Result<std::string> open(const SecretBuffer& key, std::string_view sealed, std::string_view ad) {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < kNonce + kTag) return Error::internal("sealed value is truncated");
  std::string out(sealed.size() - kNonce - kTag, '\0');
  unsigned long long mlen = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(sealed.data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()),
                                                 &mlen, nullptr, s + kNonce, sealed.size() - kNonce,
                                                 reinterpret_cast<const unsigned char*>(ad.data()),
                                                 ad.size(), s, key.data()) != 0) {
    return Error::internal("sealed value failed authentication");
  }
  out.resize(mlen);
  return out;
}

// ---- Ed25519 ----------------------------------------------------------------------------------

SigningKey signing_key_generate() {
  SigningKey k{SecretBuffer(crypto_sign_SECRETKEYBYTES),
               std::string(crypto_sign_PUBLICKEYBYTES, '\0')};
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(k.public_key.data()), k.secret.data());
  return k;
}

Result<SigningKey> signing_key_from_seed(std::string_view seed) {
  if (seed.size() != crypto_sign_SEEDBYTES)
    return Error::internal("signing key seed has wrong size");
  SigningKey k{SecretBuffer(crypto_sign_SECRETKEYBYTES),
               std::string(crypto_sign_PUBLICKEYBYTES, '\0')};
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(k.public_key.data()), k.secret.data(),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  return k;
}

std::string sign(const SigningKey& key, std::string_view message) {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       key.secret.data());
  return sig;
}

bool verify(std::string_view public_key, std::string_view message, std::string_view signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES)
    return false;
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(signature.data()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
             reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

}  // namespace secu::crypto
