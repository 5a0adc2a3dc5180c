// secuctl signup | login [--sso] | logout | whoami | auth magic start|callback | auth verify
// start|callback | auth oidc status: console sessions. The JWT a login yields is stored (0600) in
// the current context of the config file, so later commands use it; logout removes it and marks the
// context logged out, so the implicit local admin.token is not used behind the user's back.
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "config.hpp"
#include "output.hpp"
#include "prompt.hpp"
#include "sso_loopback.hpp"

namespace secu::cli {

namespace {

// ---- shared ----------------------------------------------------------------------------------

const std::vector<Column> kSessionColumns = {
    {"USER", "user/id"},       {"EMAIL", "user/email"},  {"ROLE", "user/role"},
    {"ORG", "org/id"},         {"ORG NAME", "org/name"}, {"VERIFIED", "user/email_verified"},
    {"EXPIRES", "expires_at"},
};

const std::vector<Column> kMeColumns = {
    {"TYPE", "type"},
    {"ROLE", "role"},
    {"USER", "user/id"},
    {"EMAIL", "user/email"},
    {"VERIFIED", "user/email_verified"},
    {"ORG", "org/id"},
    {"ORG NAME", "org/name"},
};

std::string context_name(const Deps& d, const CliConfig& cfg) {
  return d.global.context.empty() ? cfg.current : d.global.context;
}

// Stores `token` as the context's session (and the address it was issued by, when one was
// named), clearing logged_out.
int store_session(Deps& d, const std::string& token) {
  auto cfg = load_cli_config();
  if (!cfg.ok()) return report_error(d, cfg.error());
  auto& ctx = cfg->contexts[context_name(d, *cfg)];
  ctx.token = token;
  ctx.logged_out = false;
  if (!d.global.addr.empty()) ctx.addr = d.global.addr;
  if (auto st = save_cli_config(*cfg); !st.ok()) return report_error(d, st.error());
  return kExitOk;
}

std::optional<nlohmann::json> parse_json(Deps& d, const std::string& body, int& exit_code) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    exit_code = report_error(d, Error::internal("secud answered a non-JSON body"));
    return std::nullopt;
  }
  return j;
}

// Prints a {token, expires_at, user, org} answer (the token only in -o json, for scripts).
void print_session(Deps& d, const nlohmann::json& j) {
  if (d.format() == OutputFormat::kJson && !d.global.quiet) {
    *d.out << j.dump(d.stdout_tty ? 2 : -1) << "\n";
    return;
  }
  print_object(d, j, kSessionColumns, "user/id");
}

std::string token_from_location(const std::string& location) {
  const auto pos = location.find("token=", location.find('#'));
  if (location.find('#') == std::string::npos || pos == std::string::npos) return {};
  const auto end = location.find('&', pos);
  return location.substr(pos + 6, end == std::string::npos ? std::string::npos : end - pos - 6);
}

// ---- signup ----------------------------------------------------------------------------------

struct SignupOptions {
  std::string email;
  std::string org_name;
  bool password_stdin = false;
  std::optional<double> daily_budget_usd;
  std::string stripe_email;
  std::string network;
  bool create_wallet = false;
  std::string redirect_url;
  std::string idempotency_key;
  bool no_store = false;
};

int signup_run(const SignupOptions& o, Deps& d) {
  auto password = read_secret(d, "Password for " + o.email, o.password_stdin, /*confirm=*/true);
  if (!password.ok()) return report_error(d, password.error());
  nlohmann::json body = {{"email", o.email}, {"password", *password}};
  if (!o.org_name.empty()) body["org_name"] = o.org_name;
  if (o.daily_budget_usd) body["daily_budget_usd"] = *o.daily_budget_usd;
  if (!o.stripe_email.empty()) body["stripe_email"] = o.stripe_email;
  if (!o.network.empty()) body["network"] = o.network;
  if (o.create_wallet) body["create_wallet"] = true;
  if (!o.redirect_url.empty()) body["redirect_url"] = o.redirect_url;
  if (!o.idempotency_key.empty()) body["idempotency_key"] = o.idempotency_key;
  auto r = call(d, "POST", "/v1/auth/signup", body.dump(), /*authenticated=*/false);
  if (!r.ok()) return r.exit_code;
  int rc = kExitOk;
  auto j = parse_json(d, r.body, rc);
  if (!j) return rc;
  if (!o.no_store) {
    if (int st = store_session(d, (*j)["token"].get<std::string>()); st != kExitOk) return st;
  }
  print_session(d, *j);
  if (d.format() == OutputFormat::kTable && !d.global.quiet) {
    *d.err << "Signed up" << (o.no_store ? "" : " and logged in") << " as " << o.email
           << " (owner of " << (*j)["org"].value("name", "") << ").\n";
    if (j->contains("verification_token")) {
      *d.err << "Email is not configured on this server; verify the address with:\n"
             << "  secuctl auth verify callback --token "
             << (*j)["verification_token"].get<std::string>() << "\n";
    } else {
      *d.err << "A verification link was mailed to " << o.email << ".\n";
    }
    if (j->contains("wallet")) {
      *d.err << "No wallet was created: " << (*j)["wallet"].value("reason", "") << ".\n";
    }
  }
  return kExitOk;
}

// ---- login / logout / whoami ---------------------------------------------------------------

struct LoginOptions {
  std::string email;
  bool password_stdin = false;
  bool sso = false;
  bool no_browser = false;
  int timeout_s = 300;
};

int whoami_run(Deps& d);

// SSO through the browser (cli/sso_loopback.hpp); the token is checked with /v1/auth/me by
// whoami before anything else uses it.
int sso_login_run(const LoginOptions& o, Deps& d) {
  SsoLoginOptions so;
  so.open_browser = !o.no_browser;
  so.timeout_s = o.timeout_s;
  auto token = sso_login(so, d);
  if (!token.ok()) return report_error(d, token.error());
  ClientOptions opts = d.client_options();
  opts.bearer = *token;
  Client client(opts);
  auto r = client.call("GET", "/v1/auth/me");
  if (!r.ok()) return report_error(d, r.error());
  if (!r->ok()) return report_reply_error(d, *r);
  if (int st = store_session(d, *token); st != kExitOk) return st;
  if (!d.global.quiet) *d.err << "Signed in with SSO.\n";
  return whoami_run(d);
}

int login_run(const LoginOptions& o, Deps& d) {
  if (o.sso) return sso_login_run(o, d);
  if (o.email.empty()) {
    return report_error(d, Error::invalid("--email is required (or use --sso)", "email"));
  }
  auto password = read_secret(d, "Password for " + o.email, o.password_stdin);
  if (!password.ok()) return report_error(d, password.error());
  const nlohmann::json body = {{"email", o.email}, {"password", *password}};
  auto r = call(d, "POST", "/v1/auth/login", body.dump(), /*authenticated=*/false);
  if (!r.ok()) return r.exit_code;
  int rc = kExitOk;
  auto j = parse_json(d, r.body, rc);
  if (!j) return rc;
  if (int st = store_session(d, (*j)["token"].get<std::string>()); st != kExitOk) return st;
  print_session(d, *j);
  return kExitOk;
}

int logout_run(Deps& d) {
  auto cfg = load_cli_config();
  if (!cfg.ok()) return report_error(d, cfg.error());
  auto& ctx = cfg->contexts[context_name(d, *cfg)];
  // Revoke the session on the server: the one named by --token/SECU_TOKEN, else the stored one.
  // (Not through Deps::client(): an --admin-token would win there, and the admin token is not
  // a session.)
  const std::string session = !d.global.token.empty() ? d.global.token : ctx.token;
  bool revoked = false;
  if (!session.empty()) {
    ClientOptions opts = d.client_options();
    opts.bearer = session;
    Client client(opts);
    auto r = client.call("POST", "/v1/auth/logout", "");
    if (!r.ok()) return report_error(d, r.error());
    if (r->ok()) {
      revoked = true;
    } else if (r->status != 401) {
      return report_reply_error(d, *r);
    }
    // 401: the session had expired or was revoked already; forgetting it locally is all left.
  }
  if (d.global.token.empty()) ctx.token.clear();
  ctx.logged_out = true;
  if (auto st = save_cli_config(*cfg); !st.ok()) return report_error(d, st.error());
  if (!d.global.quiet) {
    *d.err << (revoked ? "Logged out; the session is revoked.\n"
                       : "Logged out (there was no live session to revoke).\n");
  }
  if (d.format() == OutputFormat::kJson)
    *d.out << nlohmann::json{{"revoked", revoked}}.dump() << "\n";
  return kExitOk;
}

int whoami_run(Deps& d) {
  auto r = call(d, "GET", "/v1/auth/me");
  if (!r.ok()) return r.exit_code;
  int rc = kExitOk;
  auto j = parse_json(d, r.body, rc);
  if (!j) return rc;
  print_object(d, *j, kMeColumns, j->contains("user") ? "user/id" : "type");
  return kExitOk;
}

// ---- magic links and verification --------------------------------------------------------------

struct LinkStartOptions {
  std::string email;  // magic only
  std::string redirect_url;
};

int print_link_start(Deps& d, const std::string& body, const std::string& verb) {
  int rc = kExitOk;
  auto j = parse_json(d, body, rc);
  if (!j) return rc;
  if (d.format() == OutputFormat::kJson && !d.global.quiet) {
    *d.out << j->dump(d.stdout_tty ? 2 : -1) << "\n";
    return kExitOk;
  }
  if (j->contains("token")) {
    const auto token = (*j)["token"].get<std::string>();
    if (d.global.quiet) {
      *d.out << token << "\n";
    } else {
      *d.out << token << "\n";
      *d.err << "Email is not configured on this server; use the token with:\n"
             << "  secuctl auth " << verb << " callback --token " << token << "\n";
    }
  } else if (!d.global.quiet) {
    *d.err << (j->value("sent", false) ? "A link was mailed; it works once.\n"
                                       : "No link was issued for this address.\n");
  }
  return kExitOk;
}

int magic_start_run(const LinkStartOptions& o, Deps& d) {
  nlohmann::json body = {{"email", o.email}};
  if (!o.redirect_url.empty()) body["redirect_url"] = o.redirect_url;
  auto r = call(d, "POST", "/v1/auth/magic/start", body.dump(), /*authenticated=*/false);
  if (!r.ok()) return r.exit_code;
  return print_link_start(d, r.body, "magic");
}

int verify_start_run(const LinkStartOptions& o, Deps& d) {
  nlohmann::json body = nlohmann::json::object();
  if (!o.redirect_url.empty()) body["redirect_url"] = o.redirect_url;
  auto r = call(d, "POST", "/v1/auth/verify/start", body.dump());
  if (!r.ok()) return r.exit_code;
  return print_link_start(d, r.body, "verify");
}

struct CallbackOptions {
  std::string token;
};

// Redeems a link token: 200 carries the session; 302 (a console URL is configured) carries
// the JWT in the Location fragment. Either way the session is stored and shown.
// auth oidc status: whether secud offers SSO, and with which issuer.
int oidc_status_run(Deps& d) {
  auto r = call(d, "GET", "/v1/auth/oidc/enabled", {}, /*authenticated=*/false);
  if (!r.ok()) return r.exit_code;
  int rc = kExitOk;
  auto j = parse_json(d, r.body, rc);
  if (!j) return rc;
  print_object(d, *j, {{"ENABLED", "enabled"}, {"ISSUER", "issuer"}}, "enabled");
  return kExitOk;
}

int callback_run(const CallbackOptions& o, Deps& d, const std::string& path) {
  auto client = d.anonymous_client();
  auto r = client->call("GET", path + "?token=" + url_encode(o.token));
  if (!r.ok()) return report_error(d, r.error());
  std::string jwt;
  std::optional<nlohmann::json> session;
  if (r->status == 200) {
    int rc = kExitOk;
    session = parse_json(d, r->body, rc);
    if (!session) return rc;
    jwt = (*session)["token"].get<std::string>();
  } else if (r->status == 302 || r->status == 303) {
    for (const auto& [k, v] : r->headers)
      if (k == "Location" || k == "location") jwt = token_from_location(v);
    if (jwt.empty()) return report_error(d, Error::internal("the redirect carried no token"));
  } else {
    return report_reply_error(d, *r);
  }
  if (int st = store_session(d, jwt); st != kExitOk) return st;
  if (session) {
    print_session(d, *session);
    return kExitOk;
  }
  return whoami_run(d);
}

}  // namespace

void add_auth_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto so = std::make_shared<SignupOptions>();
  auto* signup = app.add_subcommand(
      "signup",
      "Create an org and its owner, and log in as the owner\n"
      "  secuctl signup --email you@example.com --org-name Acme      (asks for a password)\n"
      "  printf '%s\\n' \"$PW\" | secuctl signup --email you@example.com --password-stdin");
  signup->add_option("--email", so->email, "your email address (the login name)")->required();
  signup->add_option("--org-name", so->org_name, "the org's name (default: from the email)");
  signup->add_flag("--password-stdin", so->password_stdin, "read the password from stdin");
  signup->add_option("--daily-budget", so->daily_budget_usd,
                     "default daily budget of new agents, USD");
  signup->add_option("--stripe-email", so->stripe_email, "billing email for Stripe");
  signup->add_option("--network", so->network, "ledger network for a wallet (kept for later)");
  signup->add_flag("--create-wallet", so->create_wallet, "ask for a wallet (kept for later)");
  signup->add_option("--redirect-url", so->redirect_url,
                     "where the verification link lands (must be allow-listed)");
  signup->add_option("--idempotency-key", so->idempotency_key,
                     "retry-safe key: the same key and body answer the first result");
  signup->add_flag("--no-store", so->no_store, "do not store the session token");
  calls(signup, {"POST /v1/auth/signup"});
  signup->callback([so, &d, &rs] { rs.run = [so, &d] { return signup_run(*so, d); }; });

  auto lo = std::make_shared<LoginOptions>();
  auto* login = app.add_subcommand(
      "login",
      "Log in with email and password, or with SSO; stores the session (0600) for later "
      "commands\n"
      "  secuctl login --email you@example.com\n"
      "  secuctl login --sso                     (opens the IdP's sign-in in a browser)");
  auto* email_opt = login->add_option("--email", lo->email, "your email address");
  auto* pw_opt =
      login->add_flag("--password-stdin", lo->password_stdin, "read the password from stdin");
  auto* sso_opt = login->add_flag(
      "--sso", lo->sso,
      "sign in with the server's OIDC identity provider in a browser; the browser comes back "
      "to a loopback port of secuctl");
  sso_opt->excludes(email_opt)->excludes(pw_opt);
  login->add_flag("--no-browser", lo->no_browser, "with --sso: only print the URL to open");
  login->add_option("--timeout", lo->timeout_s, "with --sso: seconds to wait for the browser")
      ->check(CLI::Range(1, 3600));
  // --sso sends the browser through the OIDC start and callback routes.
  calls(login, {"POST /v1/auth/login", "GET /v1/auth/oidc/start", "GET /v1/auth/oidc/callback"});
  login->callback([lo, &d, &rs] { rs.run = [lo, &d] { return login_run(*lo, d); }; });

  auto* logout = app.add_subcommand(
      "logout",
      "Revoke the stored session and forget it (the local admin.token is not used "
      "again until the next login)");
  calls(logout, {"POST /v1/auth/logout"});
  logout->callback([&d, &rs] { rs.run = [&d] { return logout_run(d); }; });

  auto* whoami = app.add_subcommand("whoami",
                                    "Show who the current credentials are (exit 3 if "
                                    "not authenticated)");
  calls(whoami, {"GET /v1/auth/me"});
  whoami->callback([&d, &rs] { rs.run = [&d] { return whoami_run(d); }; });

  auto* auth = app.add_subcommand("auth", "Magic-link login, email verification and SSO");
  auth->require_subcommand(1);
  auto* magic = auth->add_subcommand("magic", "Log in with a link sent by mail");
  magic->require_subcommand(1);
  auto ms = std::make_shared<LinkStartOptions>();
  auto* magic_start = magic->add_subcommand("start",
                                            "Mail a sign-in link (or print its token "
                                            "when the server has no mail)");
  magic_start->add_option("--email", ms->email, "the account's email")->required();
  magic_start->add_option("--redirect-url", ms->redirect_url, "where the link lands");
  calls(magic_start, {"POST /v1/auth/magic/start"});
  magic_start->callback([ms, &d, &rs] { rs.run = [ms, &d] { return magic_start_run(*ms, d); }; });
  auto mc = std::make_shared<CallbackOptions>();
  auto* magic_cb = magic->add_subcommand("callback", "Redeem a sign-in token and log in");
  magic_cb->add_option("--token", mc->token, "the token of the link")->required();
  calls(magic_cb, {"GET /v1/auth/magic/callback"});
  magic_cb->callback([mc, &d, &rs] {
    rs.run = [mc, &d] { return callback_run(*mc, d, "/v1/auth/magic/callback"); };
  });

  auto* oidc = auth->add_subcommand("oidc", "Single sign-on with an OpenID provider");
  oidc->require_subcommand(1);
  auto* oidc_status = oidc->add_subcommand(
      "status", "Show whether secud offers SSO and its issuer (sign in with: secuctl login --sso)");
  calls(oidc_status, {"GET /v1/auth/oidc/enabled"});
  oidc_status->callback([&d, &rs] { rs.run = [&d] { return oidc_status_run(d); }; });

  auto* verify = auth->add_subcommand("verify", "Verify your email address");
  verify->require_subcommand(1);
  auto vs = std::make_shared<LinkStartOptions>();
  auto* verify_start = verify->add_subcommand("start", "Mail a verification link again");
  verify_start->add_option("--redirect-url", vs->redirect_url, "where the link lands");
  calls(verify_start, {"POST /v1/auth/verify/start"});
  verify_start->callback([vs, &d, &rs] { rs.run = [vs, &d] { return verify_start_run(*vs, d); }; });
  auto vc = std::make_shared<CallbackOptions>();
  auto* verify_cb = verify->add_subcommand("callback", "Redeem a verification token (logs in)");
  verify_cb->add_option("--token", vc->token, "the token of the link")->required();
  calls(verify_cb, {"GET /v1/auth/verify/callback"});
  verify_cb->callback([vc, &d, &rs] {
    rs.run = [vc, &d] { return callback_run(*vc, d, "/v1/auth/verify/callback"); };
  });
}

}  // namespace secu::cli
