#include "secu/identity/accounts.hpp"

#include <set>

#include "internal.hpp"
#include "secu/clock.hpp"
#include "secu/identity/email_links.hpp"
#include "secu/identity/redirects.hpp"
#include "secu/identity/render.hpp"
#include "secu/json_input.hpp"
#include "secu/ledger.hpp"
#include "secu/log.hpp"
#include "secu/store/idempotency.hpp"

namespace secu::identity {

using namespace detail;

namespace {

constexpr int64_t kIdempotencyKeepMs = 48LL * 3600 * 1000;  // DESIGN.md: at least 24 h
constexpr const char* kSignupScope = "signup";
constexpr const char* kWalletCurrency = "usd";

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (char c : s)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
    ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
    --e;
  return s.substr(b, e - b);
}

// An org name from the email when signup gives none: the domain for a company address, the
// person's name for a mailbox provider's (nobody's org is "gmail.com").
std::string derive_org_name(const std::string& email) {
  static const std::set<std::string, std::less<>> kMailboxProviders = {
      "gmail.com",  "googlemail.com", "outlook.com", "hotmail.com",  "live.com",       "yahoo.com",
      "icloud.com", "me.com",         "aol.com",     "proton.me",    "protonmail.com", "gmx.de",
      "gmx.net",    "web.de",         "mail.com",    "fastmail.com", "yandex.ru",      "zoho.com"};
  const auto at = email.find('@');
  const std::string local = email.substr(0, at);
  const std::string domain = email.substr(at + 1);
  if (kMailboxProviders.count(domain)) return local + "'s org";
  return domain;
}

std::string idempotency_ad(const std::string& scope, const std::string& key) {
  return "idempotency\n" + scope + "\n" + key;
}

Result<nlohmann::json> unseal_answer(const Env& env, const store::IdempotencyRow& row) {
  SECU_TRY(auto sealed, crypto::base64url_decode(row.response));
  SECU_TRY(auto plain, crypto::open(*env.seal_key, sealed, idempotency_ad(row.scope, row.key)));
  auto j = nlohmann::json::parse(plain, nullptr, false);
  if (j.is_discarded()) return Error::internal("a stored idempotent answer is unreadable");
  return j;
}

// The stored first answer for `key`, 409 when it was for another body, nullopt when none.
Result<std::optional<nlohmann::json>> replay(const Env& env, store::Db& db, const std::string& key,
                                             const std::string& body_hash) {
  SECU_TRY(auto row, store::get_idempotency(db, kSignupScope, key));
  if (!row) return std::optional<nlohmann::json>();
  if (!crypto::constant_time_equal(row->body_hash, body_hash)) {
    return Error::conflict("idempotency_conflict",
                           "this idempotency_key was used with a different request body");
  }
  SECU_TRY(auto answer, unseal_answer(env, *row));
  return std::optional<nlohmann::json>(std::move(answer));
}

Error org_not_found() {
  return Error::not_found("org");
}

Result<bool> org_exists(store::Db& db, const std::string& id) {
  SECU_TRY(auto org, store::get_org(db, id));
  return org.has_value();
}

}  // namespace

Status check_email(const std::string& email, const std::string& field) {
  if (!json::is_valid_email(email)) {
    return Error::invalid(field + " must be a valid email address", field);
  }
  return {};
}

Status check_password(const std::string& password, const std::string& field) {
  if (utf8_length(password) < kMinPasswordChars) {
    return Error::invalid(
        field + " must be at least " + std::to_string(kMinPasswordChars) + " characters", field);
  }
  if (password.size() > kMaxPasswordBytes) {
    return Error::invalid(field + " is too long", field);
  }
  return {};
}

// ---- signup ------------------------------------------------------------------------------------

Result<SignupResult> signup(const Env& env, const SignupRequest& req,
                            const std::string& request_id) {
  // 1. Validate everything before any work or write (bad input changes nothing).
  const std::string email = json::normalize_email(req.email);
  SECU_TRY_VOID(check_email(email, "email"));
  SECU_TRY_VOID(check_password(req.password));
  std::optional<std::string> stripe_email;
  if (req.stripe_email) {
    stripe_email = json::normalize_email(*req.stripe_email);
    SECU_TRY_VOID(check_email(*stripe_email, "stripe_email"));
  }
  std::string org_name = req.org_name ? trim(*req.org_name) : derive_org_name(email);
  if (org_name.empty()) return Error::invalid("org_name must not be blank", "org_name");
  if (req.redirect_url &&
      !redirect_allowed(*req.redirect_url, env.redirect_allowlist, env.console_url)) {
    return Error::invalid("redirect_url is not on the redirect allow-list", "redirect_url");
  }
  const std::string body_hash =
      hash_token(env, std::string(kSignupScope) + "\n" + req.canonical_body);

  // 2. A retry answers from the record without hashing a password again.
  if (req.idempotency_key) {
    std::optional<nlohmann::json> earlier;
    SECU_TRY_VOID(env.store->read([&](store::Db& db) -> Status {
      SECU_TRY(earlier, replay(env, db, *req.idempotency_key, body_hash));
      return {};
    }));
    if (earlier) return SignupResult{std::move(*earlier), true};
  }

  SECU_TRY(auto password_hash, hash_password(env, req.password));

  // 3. One write job: org, owner, session, verification token, audit entry, idempotency record.
  SignupResult result;
  std::string verification_token;
  std::string user_id;
  SECU_TRY_VOID(env.store->write([&](store::WriteTx& tx) -> Status {
    if (req.idempotency_key) {
      // A twin with the same key may have committed since step 2; the writer is the only one
      // inserting, so this check and the insert below cannot interleave with another.
      SECU_TRY(auto earlier, replay(env, tx.db, *req.idempotency_key, body_hash));
      if (earlier) {
        result = {std::move(*earlier), true};
        return {};
      }
    }
    const int64_t now = now_ms();
    store::OrgRow org;
    org.id = crypto::random_id("org");
    org.name = org_name;
    org.created_at = now;
    org.default_daily_budget_micros = req.daily_budget_micros;
    org.stripe_email = stripe_email;
    org.network = req.network;
    org.create_wallet = req.create_wallet.value_or(false);
    SECU_TRY_VOID(store::insert_org(tx.db, org));

    store::UserRow user;
    user.id = crypto::random_id("usr");
    user.org_id = org.id;
    user.email = email;
    user.password_hash = password_hash;
    user.role = role_name(Role::kOwner);
    user.created_at = now;
    user.last_login_at = now;  // signup logs the owner in
    SECU_TRY_VOID(store::insert_user(tx.db, user));
    SECU_TRY(auto session, issue_session(tx, env, user, org, now));
    SECU_TRY(verification_token,
             issue_link_token(tx, env, LinkKind::kVerify, user.id, req.redirect_url, now));

    audit::Entry e;
    e.org_id = org.id;
    e.actor = {"user", user.id};
    e.action = "auth.signup";
    e.target = user.id;
    e.details = {{"org_id", org.id},
                 {"org_name", org.name},
                 {"email", user.email},
                 {"role", user.role},
                 {"session_id", session.session_id}};
    e.request_id = request_id;
    SECU_TRY_VOID(append_audit(tx, e));

    nlohmann::json body = session_json(session);
    if (!env.email_enabled()) body["verification_token"] = verification_token;
    if (org.create_wallet) {
      // The org's wallet in the ledger (USD; other currencies are made on first funding), in
      // this same job: the org never exists without the wallet it asked for.
      SECU_TRY(auto w, ledger::ensure_wallet(tx.db, "org", org.id, org.id, kWalletCurrency,
                                             org.network, now));
      nlohmann::json wallet = ledger::wallet_json(w);
      wallet["created"] = true;
      body["wallet"] = wallet;
    } else if (org.network) {
      // A network without create_wallet: kept on the org, and said plainly that no wallet was
      // made.
      body["wallet"] = {{"created", false},
                        {"network", *org.network},
                        {"reason", "create_wallet was not requested"}};
    }
    if (req.idempotency_key) {
      // The answer carries a JWT (and maybe a verification token): stored sealed, bound to
      // its scope and key, so the database never holds a usable token.
      SECU_TRY_VOID(store::delete_idempotency_before(tx.db, now - kIdempotencyKeepMs));
      store::IdempotencyRow row;
      row.scope = kSignupScope;
      row.key = *req.idempotency_key;
      row.body_hash = body_hash;
      row.status = 200;
      row.response = crypto::base64url_encode(crypto::seal(
          *env.seal_key, body.dump(), idempotency_ad(kSignupScope, *req.idempotency_key)));
      row.created_at = now;
      SECU_TRY_VOID(store::insert_idempotency(tx.db, row));
    }
    result = {std::move(body), false};
    user_id = user.id;
    return {};
  }));

  // 4. After the commit, never inside the writer: the verification mail.
  if (!result.replayed && env.email_enabled()) {
    auto sent = env.mailer(link_mail(env, LinkKind::kVerify, email, verification_token));
    if (!sent.ok()) {
      log::warn("verification mail not sent",
                {{"request_id", request_id}, {"user_id", user_id}, {"reason", sent.error().code}});
    }
  }
  return result;
}

// ---- me ----------------------------------------------------------------------------------------

Result<nlohmann::json> me(const Env& env, const Caller& caller) {
  if (!caller.is_user()) {
    return nlohmann::json{{"type", "admin"}, {"role", role_name(caller.role)}};
  }
  std::optional<store::UserRow> user;
  std::optional<store::OrgRow> org;
  SECU_TRY_VOID(env.store->read([&](store::Db& db) -> Status {
    SECU_TRY(user, store::get_user(db, caller.user_id));
    if (user) {
      SECU_TRY(org, store::get_org(db, user->org_id));
    }
    return {};
  }));
  if (!user || !org) return Error::unauthenticated("the user no longer exists");
  return nlohmann::json{
      {"type", "user"}, {"role", user->role}, {"user", user_json(*user)}, {"org", org_json(*org)}};
}

// ---- scope -------------------------------------------------------------------------------------

Result<std::string> read_scope(store::Db& db, const Caller& caller,
                               const std::optional<std::string>& org_id) {
  const bool named = org_id && !org_id->empty();
  if (caller.platform_admin()) {
    if (!named) return std::string();
    SECU_TRY(bool exists, org_exists(db, *org_id));
    if (!exists) return org_not_found();
    return *org_id;
  }
  if (named && *org_id != caller.org_id) return org_not_found();
  if (caller.org_id.empty()) return org_not_found();
  return caller.org_id;
}

// ---- orgs --------------------------------------------------------------------------------------

Result<OrgPage> list_orgs(const Env& env, const Caller& caller, const PageRequest& page) {
  OrgPage out;
  SECU_TRY_VOID(env.store->read([&](store::Db& db) -> Status {
    if (caller.platform_admin()) {
      SECU_TRY(out.orgs, store::list_orgs(db, page));
      return {};
    }
    // Everyone else has exactly one org: the first page holds it, later pages are empty.
    if (page.before_created_at) return {};
    SECU_TRY(auto org, store::get_org(db, caller.org_id));
    if (org) out.orgs.push_back(std::move(*org));
    return {};
  }));
  if (static_cast<int64_t>(out.orgs.size()) > page.limit) {
    out.orgs.resize(static_cast<size_t>(page.limit));
    out.next_cursor = make_cursor(out.orgs.back().created_at, out.orgs.back().id);
  }
  return out;
}

Result<store::OrgRow> get_org(const Env& env, const Caller& caller, const std::string& id) {
  std::optional<store::OrgRow> org;
  if (caller.platform_admin() || id == caller.org_id) {
    SECU_TRY_VOID(env.store->read([&](store::Db& db) -> Status {
      SECU_TRY(org, store::get_org(db, id));
      return {};
    }));
  }
  if (!org) return org_not_found();
  return std::move(*org);
}

Result<store::OrgRow> create_org(const Env& env, const Caller& caller, const std::string& name) {
  const std::string clean = trim(name);
  if (clean.empty()) return Error::invalid("name must not be blank", "name");
  if (!caller.platform_admin()) return Error::forbidden("only the platform admin creates orgs");
  store::OrgRow org;
  SECU_TRY_VOID(env.store->write([&](store::WriteTx& tx) -> Status {
    org.id = crypto::random_id("org");
    org.name = clean;
    org.created_at = now_ms();
    SECU_TRY_VOID(store::insert_org(tx.db, org));
    audit::Entry e;
    e.org_id = org.id;
    e.actor = caller.actor;
    e.action = "org.create";
    e.target = org.id;
    e.details = {{"name", org.name}};
    e.request_id = caller.request_id;
    return append_audit(tx, e);
  }));
  return org;
}

// ---- users -------------------------------------------------------------------------------------

Result<UserPage> list_users(const Env& env, const Caller& caller,
                            const std::optional<std::string>& org_id, const PageRequest& page) {
  UserPage out;
  SECU_TRY_VOID(env.store->read([&](store::Db& db) -> Status {
    SECU_TRY(auto scope, read_scope(db, caller, org_id));
    SECU_TRY(out.users, store::list_users(db, scope, page));
    return {};
  }));
  if (static_cast<int64_t>(out.users.size()) > page.limit) {
    out.users.resize(static_cast<size_t>(page.limit));
    out.next_cursor = make_cursor(out.users.back().created_at, out.users.back().id);
  }
  return out;
}

Result<store::UserRow> get_user(const Env& env, const Caller& caller, const std::string& id) {
  std::optional<store::UserRow> user;
  SECU_TRY_VOID(env.store->read([&](store::Db& db) -> Status {
    SECU_TRY(user, store::get_user(db, id));
    return {};
  }));
  // Another org's user is as absent as one that does not exist.
  if (!user || (!caller.platform_admin() && user->org_id != caller.org_id)) {
    return Error::not_found("user");
  }
  return std::move(*user);
}

Result<store::UserRow> create_user(const Env& env, const Caller& caller,
                                   const CreateUserRequest& req) {
  // Input first (400), then where (404), then whether the caller may (403).
  const std::string email = json::normalize_email(req.email);
  SECU_TRY_VOID(check_email(email, "email"));
  SECU_TRY_VOID(check_password(req.password));
  const std::string role_text = req.role.value_or(role_name(Role::kMember));
  const auto role = parse_role(role_text);
  if (!role) {
    return Error::invalid(
        "role must be one of viewer, member, approver, admin, owner, platform_admin", "role");
  }
  const bool named = req.org_id && !req.org_id->empty();
  std::string org_id;
  if (caller.platform_admin()) {
    if (!named && caller.org_id.empty()) {
      return Error::invalid("org_id is required when acting as the platform admin", "org_id");
    }
    org_id = named ? *req.org_id : caller.org_id;
  } else {
    if (named && *req.org_id != caller.org_id) return org_not_found();
    org_id = caller.org_id;
  }
  if (!caller.platform_admin() && !can_write(caller.role)) {
    return Error::forbidden("creating users needs the admin role");
  }
  if (!may_grant(caller.role, *role)) {
    return Error::forbidden(std::string("you cannot grant the ") + role_name(*role) +
                            " role, which is above your own");
  }
  if (caller.platform_admin() && named) {
    bool exists = false;
    SECU_TRY_VOID(env.store->read([&](store::Db& db) -> Status {
      SECU_TRY(exists, org_exists(db, org_id));
      return {};
    }));
    if (!exists) return org_not_found();
  }

  SECU_TRY(auto password_hash, hash_password(env, req.password));
  store::UserRow user;
  SECU_TRY_VOID(env.store->write([&](store::WriteTx& tx) -> Status {
    // Checked again inside the job: the org must still exist when the row goes in.
    SECU_TRY(bool exists, org_exists(tx.db, org_id));
    if (!exists) return org_not_found();
    user.id = crypto::random_id("usr");
    user.org_id = org_id;
    user.email = email;
    user.password_hash = password_hash;
    user.role = role_name(*role);
    user.created_at = now_ms();
    SECU_TRY_VOID(store::insert_user(tx.db, user));
    audit::Entry e;
    e.org_id = org_id;
    e.actor = caller.actor;
    e.action = "user.create";
    e.target = user.id;
    e.details = {{"email", user.email}, {"role", user.role}};
    e.request_id = caller.request_id;
    return append_audit(tx, e);
  }));
  return user;
}

}  // namespace secu::identity
