// The daemon's shared state: one App per process, built at start and handed to every handler.
//
// Thread-safety: everything here is either immutable after start (keys, store pointer) or
// internally synchronised (Store, the config snapshot behind its mutex).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "secu/crypto.hpp"
#include "secu/jwt.hpp"
#include "secu/store.hpp"
#include "server/config.hpp"
#include "server/metrics.hpp"

namespace secu::gateway {
class Runtime;
}  // namespace secu::gateway

namespace secu::daemon {

struct Secrets {
  crypto::SecretBuffer master_key;  // 32 bytes, <data-dir>/master.key: seals vendor api keys
  crypto::SecretBuffer hash_key;    // derived: keyed BLAKE2b of tokens and agent keys
  crypto::SecretBuffer seal_key;    // derived: XChaCha20-Poly1305 of stored secrets
  crypto::SigningKey signing_key;   // <data-dir>/signing.key: JWTs and audit checkpoints
  std::string admin_token_hash;     // keyed hash of the admin token at start (see App)
};

class App {
 public:
  App(std::shared_ptr<const Config> config, std::unique_ptr<store::Store> store, Secrets secrets)
      : m_config(std::move(config)),
        m_store(std::move(store)),
        m_secrets(std::move(secrets)),
        m_admin_token_hash(m_secrets.admin_token_hash) {}

  // The current config snapshot; replaced whole on SIGHUP (rule of thumb 9).
  std::shared_ptr<const Config> config() const {
    std::lock_guard lk(m_config_mu);
    return m_config;
  }
  void replace_config(std::shared_ptr<const Config> c) {
    std::lock_guard lk(m_config_mu);
    m_config = std::move(c);
  }
  store::Store& store() { return *m_store; }
  const Secrets& secrets() const { return m_secrets; }
  // Keyed hash used for every stored token: "b2:" + hex.
  std::string token_hash(std::string_view token) const;

  // The credentials rotation replaces (POST /v1/admin/rotate-*): swapped whole right after the
  // rotation's commit (WriteTx::after_commit, in commit order), so the very next request checks
  // against the new value.
  std::string admin_token_hash() const {
    std::lock_guard lk(m_keys_mu);
    return m_admin_token_hash;
  }
  void set_admin_token_hash(std::string h) {
    std::lock_guard lk(m_keys_mu);
    m_admin_token_hash = std::move(h);
  }
  // The console JWT keys; null until bootstrap loaded them.
  std::shared_ptr<const jwt::KeySet> jwt_keys() const {
    std::lock_guard lk(m_keys_mu);
    return m_jwt_keys;
  }
  void set_jwt_keys(std::shared_ptr<const jwt::KeySet> k) {
    std::lock_guard lk(m_keys_mu);
    m_jwt_keys = std::move(k);
  }

  std::atomic<bool> draining{false};
  // The gateway (proxy, open streams, settler, approval sweep); set by `secud serve` before
  // the server starts, null where no gateway runs.
  std::shared_ptr<gateway::Runtime> gateway;
  // Counters behind GET /metrics; sized for the route table by the Server.
  Metrics metrics;

 private:
  mutable std::mutex m_config_mu;
  std::shared_ptr<const Config> m_config;  // GUARDED_BY(m_config_mu)
  std::unique_ptr<store::Store> m_store;
  Secrets m_secrets;
  mutable std::mutex m_keys_mu;
  std::string m_admin_token_hash;                 // GUARDED_BY(m_keys_mu)
  std::shared_ptr<const jwt::KeySet> m_jwt_keys;  // GUARDED_BY(m_keys_mu)
};

std::string keyed_token_hash(const crypto::SecretBuffer& key, std::string_view token);

// Prepares the data dir on first start (0700 dir, database, master and signing keys, admin
// token) and loads it on every start. Prints the admin token on first start only.
Result<std::unique_ptr<App>> bootstrap(std::shared_ptr<const Config> config);

}  // namespace secu::daemon
