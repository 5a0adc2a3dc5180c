// Password hashing with a bound on concurrent Argon2id runs, and the dummy hash that makes an
// unknown email cost the same as a wrong password.
#include <map>
#include <mutex>
#include <semaphore>

#include "internal.hpp"

namespace secu::identity::detail {

namespace {

// Argon2id is memory-hard by design: N parallel hashes need N × argon2_mem. Four at a time
// keeps a login flood at 256 MiB with the default cost while a 2-core machine stays busy.
std::counting_semaphore<4> g_hash_slots(4);

class SlotGuard {
 public:
  SlotGuard() { g_hash_slots.acquire(); }
  ~SlotGuard() { g_hash_slots.release(); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
};

// One dummy hash per cost, made on first use. Its password is random and thrown away, so the
// dummy can never verify.
std::string dummy_hash(const crypto::PasswordCost& cost) {
  static std::mutex mu;
  static std::map<std::pair<uint64_t, size_t>, std::string> cache;  // GUARDED_BY(mu)
  std::lock_guard lk(mu);
  auto& h = cache[{cost.ops, cost.mem}];
  if (h.empty()) {
    auto made = crypto::password_hash(crypto::random_token(32), cost);
    if (made.ok()) h = *made;
  }
  return h;
}

}  // namespace

Result<std::string> hash_password(const Env& env, std::string_view password) {
  SlotGuard slot;
  return crypto::password_hash(password, env.password_cost);
}

bool verify_password(const Env& env, const std::optional<std::string>& hash,
                     std::string_view password) {
  const std::string dummy = hash ? std::string() : dummy_hash(env.password_cost);
  SlotGuard slot;
  if (!hash) {
    (void)crypto::password_verify(dummy, password);
    return false;
  }
  return crypto::password_verify(*hash, password);
}

}  // namespace secu::identity::detail
