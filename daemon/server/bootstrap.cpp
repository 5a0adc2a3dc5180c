// First start and every start: the data dir, its keys and the admin token.
#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>

#include "secu/backup.hpp"
#include "secu/crypto.hpp"
#include "secu/files.hpp"
#include "secu/log.hpp"
#include "secu/rotation.hpp"
#include "secu/store/meta.hpp"
#include "server/app.hpp"

namespace secu::daemon {

std::string keyed_token_hash(const crypto::SecretBuffer& key, std::string_view token) {
  return crypto::token_hash(key, token);
}

std::string App::token_hash(std::string_view token) const {
  return keyed_token_hash(m_secrets.hash_key, token);
}

namespace {

// Loads a 32-byte secret kept base64url-encoded in `path`, creating it (0600) when absent.
// Refuses a key file that others can read: a leaked master key unseals every vendor secret.
Result<crypto::SecretBuffer> load_or_create_key(const std::string& path) {
  if (!files::exists(path)) {
    const std::string raw = crypto::random_bytes(32);
    SECU_TRY_VOID(files::write_atomic(path, crypto::base64url_encode(raw) + "\n", 0600));
    log::info("key created", {{"path", path}});
    return crypto::SecretBuffer::from(raw);
  }
  SECU_TRY(unsigned mode, files::mode_of(path));
  if (mode & 077) {
    return Error::make(ErrorKind::kInvalid, "insecure_key_file",
                       path + " is readable by others; chmod 600 it");
  }
  SECU_TRY(auto text, files::read_all(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  auto raw = crypto::base64url_decode(text);
  if (!raw.ok() || raw->size() != 32) {
    return Error::make(ErrorKind::kInvalid, "bad_key_file", path + " does not hold a key");
  }
  return crypto::SecretBuffer::from(*raw);
}

Result<std::optional<std::string>> read_meta(store::Store& st, const std::string& key) {
  std::optional<std::string> out;
  SECU_TRY_VOID(st.read([&](store::Db& db) -> Status {
    SECU_TRY(out, store::get_meta(db, key));
    return {};
  }));
  return out;
}

}  // namespace

Result<std::unique_ptr<App>> bootstrap(std::shared_ptr<const Config> config) {
  const std::string dir = config->data_dir;
  SECU_TRY_VOID(files::make_dir(dir, 0700));
  SECU_TRY(unsigned dmode, files::mode_of(dir));
  if (dmode & 077) {
    log::warn("data dir is accessible by others; tightening to 0700", {{"path", dir}});
    SECU_TRY_VOID(files::make_dir(dir, 0700));
    (void)::chmod(dir.c_str(), 0700);
  }

  backup::remove_stale(dir);  // snapshots a crash left half-made or unsent

  Secrets s;
  SECU_TRY(s.master_key, load_or_create_key(dir + "/master.key"));
  SECU_TRY(auto seed, load_or_create_key(dir + "/signing.key"));
  SECU_TRY(s.signing_key, crypto::signing_key_from_seed(seed.view()));
  s.hash_key = crypto::derive_key(s.master_key, 1, "secuhash");
  s.seal_key = crypto::derive_key(s.master_key, 2, "secuseal");

  SECU_TRY(auto st, store::Store::open({.path = dir + "/secu.db"}));
  (void)::chmod((dir + "/secu.db").c_str(), 0600);

  // The admin token: made once. The plain token goes to admin.token (0600) before its hash is
  // committed, so a crash between the two only means the next start makes a new one.
  SECU_TRY(auto existing, read_meta(*st, rotation::kAdminTokenMetaKey));
  std::string first_token;
  if (existing) {
    s.admin_token_hash = *existing;
  } else {
    auto made = rotation::make_admin_token(s.hash_key);
    first_token = std::move(made.token);
    s.admin_token_hash = std::move(made.hash);
    SECU_TRY_VOID(files::write_atomic(dir + "/admin.token", first_token + "\n", 0600));
    SECU_TRY_VOID(st->write([&](store::WriteTx& tx) -> Status {
      return store::put_meta(tx.db, rotation::kAdminTokenMetaKey, s.admin_token_hash);
    }));
    log::info("admin token created", {{"path", dir + "/admin.token"}});
  }

  std::shared_ptr<const jwt::KeySet> jwt_keys;
  SECU_TRY_VOID(st->read([&](store::Db& db) -> Status {
    SECU_TRY(jwt_keys, rotation::load_jwt_keys(db, s.signing_key, s.seal_key));
    return {};
  }));

  auto app = std::make_unique<App>(config, std::move(st), std::move(s));
  app->set_jwt_keys(std::move(jwt_keys));
  if (!first_token.empty() && config->print_admin_token) {
    // Shown once, like Vault's root token; later starts never print it again.
    std::printf("admin token (shown once; also in %s/admin.token, mode 0600):\n  %s\n", dir.c_str(),
                first_token.c_str());
    std::fflush(stdout);
  }
  return app;
}

}  // namespace secu::daemon
