// Rotation of the platform credentials (platform admin only):
//   POST /v1/admin/rotate-admin-token  a new admin token, shown once; the old one stops at once
//   POST /v1/admin/rotate-jwt-key      a new console JWT signing key; old tokens live out their
//                                      own expiry, then 401
// (Vendor api keys: POST /v1/vendors/{id}/rotate-key; agent keys: POST /v1/keys/{id}/rotate.)
#include <nlohmann/json.hpp>

#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/files.hpp"
#include "secu/json_input.hpp"
#include "secu/log.hpp"
#include "secu/rotation.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"

namespace secu::daemon {

namespace {

// Neither rotation takes parameters; an empty body or {} is fine, anything else is a 400 (an
// unknown field is a typo the caller should hear about, not something silently ignored).
void no_parameters(Ctx& c) {
  if (c.body().empty()) return;
  const auto body = c.json_body();
  json::Reader r(body);
  Ctx::unwrap(r.finish());
}

void rotate_admin_token(Ctx& c) {
  no_parameters(c);
  App& app = c.app();
  const std::string token_file = app.config()->data_dir + "/admin.token";
  rotation::AdminToken made;
  bool file_updated = false;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(made, rotation::rotate_admin_token(tx, app.secrets().hash_key,
                                                c.audit_entry({}, {}, {}, {})));
    // After the commit and in commit order (a batch's hooks run before the next batch starts),
    // so two racing rotations leave the hash and the file of the same, last token.
    tx.after_commit([&app, &made, &file_updated, token_file] {
      app.set_admin_token_hash(made.hash);
      // <data-dir>/admin.token is where a local secuctl finds the token (DESIGN.md): keep it
      // current rather than leave a dead secret there. An operator who removed it after first
      // start keeps it removed.
      if (files::exists(token_file)) {
        auto st = files::write_atomic(token_file, made.token + "\n", 0600);
        file_updated = st.ok();
        if (!st.ok()) log::warn("admin.token not updated", {{"path", token_file}});
      }
    });
    return {};
  });
  log::info("admin token rotated", {{"request_id", c.request_id()}});
  nlohmann::json out = {{"admin_token", made.token},  // the only time it is shown
                        {"rotated_at", format_rfc3339(now_ms())},
                        {"admin_token_file_updated", file_updated}};
  if (file_updated) out["admin_token_file"] = token_file;
  c.reply(200, out);
}

void rotate_jwt_key(Ctx& c) {
  no_parameters(c);
  App& app = c.app();
  const int64_t ttl_s = app.config()->jwt_ttl_s;
  rotation::JwtRotation r;
  c.write([&](store::WriteTx& tx) -> Status {
    SECU_TRY(r, rotation::rotate_jwt_key(tx, app.secrets().signing_key, app.secrets().seal_key,
                                         ttl_s, c.audit_entry({}, {}, {}, {})));
    tx.after_commit([&app, keys = r.keys] { app.set_jwt_keys(keys); });
    return {};
  });
  log::info("jwt signing key rotated", {{"request_id", c.request_id()}, {"kid", r.kid}});
  c.reply(200, {{"kid", r.kid},
                {"retired_kid", r.retired_kid.empty() ? "signing.key" : r.retired_kid},
                {"retired_tokens_valid_until", format_rfc3339(r.retired_valid_until_ms)},
                {"public_key", crypto::base64url_encode(r.keys->signer->public_key)}});
}

}  // namespace

void register_rotation_routes(RouteTable& t) {
  t.add("POST", "/v1/admin/rotate-admin-token", Access::kPlatformAdmin,
        "Rotate the admin token (the new one is shown once)", rotate_admin_token);
  t.add("POST", "/v1/admin/rotate-jwt-key", Access::kPlatformAdmin,
        "Rotate the console JWT signing key (old tokens valid until they expire)", rotate_jwt_key);
}

}  // namespace secu::daemon
