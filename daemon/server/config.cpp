#include "server/config.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "secu/files.hpp"

namespace secu::daemon {

namespace {

#define STR(name, help) \
  { #name, OptionType::kString, help, &Config::name, nullptr, nullptr }
#define NUM(name, help) \
  { #name, OptionType::kInt, help, nullptr, &Config::name, nullptr }
#define BOOL(name, help) \
  { #name, OptionType::kBool, help, nullptr, nullptr, &Config::name }

const OptionSpec kOptions[] = {
    STR(listen, "address to listen on, HOST:PORT (port 0 picks a free one)"),
    STR(data_dir, "data directory (database, keys, admin.token)"),
    STR(port_file, "write the bound port to this file once listening"),
    STR(log_level, "debug, info, warn or error"),
    NUM(threads, "HTTP worker threads"),
    NUM(read_timeout_s, "seconds to wait for a slow client before closing"),
    BOOL(print_admin_token, "print the admin token on first start"),
    NUM(jwt_ttl_s, "lifetime of console sessions (JWT), seconds"),
    NUM(argon2_ops, "Argon2id passes for password hashes"),
    NUM(argon2_mem_kib, "Argon2id memory for password hashes, KiB"),
    STR(console_url, "console URL that magic-link and SSO callbacks redirect to"),
    STR(redirect_allowlist, "comma-separated URL prefixes allowed as redirect_url"),
    STR(smtp_url, "SMTP server for mail, smtp://host:port or smtps://host:port"),
    STR(smtp_user, "SMTP user name"),
    STR(smtp_password_file, "file holding the SMTP password"),
    STR(mail_from, "sender address of mails"),
    STR(public_url, "base URL of secud used in mailed links"),
    STR(oidc_issuer, "OIDC issuer URL for single sign-on (e.g. https://accounts.example.com)"),
    STR(oidc_client_id, "OIDC client id registered at the issuer"),
    STR(oidc_client_secret_file, "file holding the OIDC client secret (none: public client, PKCE)"),
    STR(oidc_token_auth_method,
        "how the client secret is sent: client_secret_basic or client_secret_post"),
    STR(oidc_redirect_url,
        "OIDC redirect URL registered at the issuer (default <public-url>/v1/auth/oidc/callback)"),
    STR(oidc_org, "id of the org that SSO users join"),
    STR(oidc_default_role, "role of users created by SSO: viewer, member, approver or admin"),
    STR(oidc_allowed_domains, "comma-separated email domains allowed to sign in with SSO"),
    NUM(login_max_attempts, "failed logins allowed per email and per address in a window"),
    NUM(login_window_s, "login throttling window, seconds"),
    STR(tls_cert, "PEM certificate chain; with --tls-key serves HTTPS"),
    STR(tls_key, "PEM private key for --tls-cert"),
    NUM(approval_ttl_s, "seconds a gateway approval stays pending, and an approved grant usable"),
    NUM(upstream_connect_timeout_ms, "gateway: milliseconds to connect to a vendor (then 504)"),
    NUM(upstream_read_timeout_s, "gateway: seconds a vendor may stay silent (then 504)"),
    STR(fee_mode, "default platform fee: take_rate or per_action (orgs may override)"),
    NUM(take_rate_bps, "default take rate, basis points of the metered cost (0-10000)"),
    STR(fee_per_action_usd, "default flat fee per allowed action, USD (per_action mode)"),
    STR(stripe_secret_key_file,
        "file holding the Stripe secret key (sk_...); else the key itself in "
        "SECU_STRIPE_SECRET_KEY; neither = Stripe billing not configured"),
    STR(stripe_api_base,
        "Stripe API origin, default https://api.stripe.com (tests use a local Stripe-compatible "
        "server)"),
    NUM(stripe_timeout_s, "seconds to wait for Stripe (connect, then each read; then 504)"),
    STR(x402_facilitator_url,
        "transfers: x402 facilitator base URL (its /verify and /settle); empty = rail off"),
    NUM(transfer_hold_ttl_s, "transfers: seconds a hold on an external rail may stay pending"),
};

#undef STR
#undef NUM
#undef BOOL

Status apply(Config& c, const OptionSpec& o, const std::string& value, const std::string& source) {
  switch (o.type) {
    case OptionType::kString:
      c.*o.str = value;
      return {};
    case OptionType::kInt: {
      char* end = nullptr;
      errno = 0;
      const long long v = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || errno != 0) {
        return Error::invalid(source + ": " + o.name + " must be an integer", o.name);
      }
      c.*o.num = v;
      return {};
    }
    case OptionType::kBool:
      if (value == "1" || value == "true" || value == "yes" || value == "on") {
        c.*o.flag = true;
      } else if (value == "0" || value == "false" || value == "no" || value == "off") {
        c.*o.flag = false;
      } else {
        return Error::invalid(source + ": " + o.name + " must be true or false", o.name);
      }
      return {};
  }
  return {};
}

std::string default_data_dir() {
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/secu";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/secu";
  return "./secu-data";
}

}  // namespace

std::span<const OptionSpec> option_specs() {
  return kOptions;
}

std::string flag_name(const OptionSpec& o) {
  std::string s = o.name;
  for (auto& ch : s)
    if (ch == '_') ch = '-';
  return s;
}

std::string env_name(const OptionSpec& o) {
  std::string s = "SECU_";
  for (const char* p = o.name; *p; ++p)
    s.push_back(static_cast<char>(std::toupper(*p)));
  return s;
}

std::string Config::host() const {
  auto colon = listen.rfind(':');
  std::string h = colon == std::string::npos ? listen : listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  return h;
}

int Config::port() const {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return -1;
  const std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stoi(p);
}

Result<Config> load_config(const FlagValues& flags) {
  Config c;
  // 3. The config file: --config beats SECU_CONFIG.
  std::string file;
  if (auto it = flags.find("config"); it != flags.end()) {
    file = it->second;
  } else if (const char* e = std::getenv("SECU_CONFIG"); e && *e) {
    file = e;
  }
  if (!file.empty()) {
    SECU_TRY(auto text, files::read_all(file));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return Error::invalid("config file " + file + " is not a JSON object");
    }
    for (const auto& [key, value] : j.items()) {
      const OptionSpec* spec = nullptr;
      for (const auto& o : kOptions)
        if (key == o.name || key == flag_name(o)) spec = &o;
      if (!spec) return Error::invalid("config file " + file + ": unknown option \"" + key + "\"");
      std::string v;
      if (value.is_string()) {
        v = value.get<std::string>();
      } else if (value.is_boolean()) {
        v = value.get<bool>() ? "true" : "false";
      } else if (value.is_number_integer()) {
        v = std::to_string(value.get<int64_t>());
      } else {
        return Error::invalid("config file " + file + ": " + key + " has the wrong type");
      }
      SECU_TRY_VOID(apply(c, *spec, v, "config file"));
    }
    c.config_file = file;
  }
  // 2. Environment.
  for (const auto& o : kOptions) {
    if (const char* e = std::getenv(env_name(o).c_str()); e && *e) {
      SECU_TRY_VOID(apply(c, o, e, env_name(o)));
    }
  }
  // 1. Flags.
  for (const auto& o : kOptions) {
    if (auto it = flags.find(o.name); it != flags.end()) {
      SECU_TRY_VOID(apply(c, o, it->second, "--" + flag_name(o)));
    }
  }
  if (c.data_dir.empty()) c.data_dir = default_data_dir();
  SECU_TRY_VOID(validate(c));
  return c;
}

Result<billing::FeeSchedule> fee_defaults(const Config& c) {
  billing::FeeSchedule s;
  SECU_TRY(s.mode, billing::parse_fee_mode(c.fee_mode));
  s.take_rate_bps = c.take_rate_bps;
  auto per_action = billing::parse_usd(c.fee_per_action_usd);
  if (!per_action.ok())
    return Error::invalid("fee_per_action_usd must be a decimal USD amount", "fee_per_action_usd");
  s.fee_per_action_micros = *per_action;
  SECU_TRY_VOID(billing::validate_fee_schedule(s));
  return s;
}

namespace {

bool http_url(const std::string& s) {
  return (s.starts_with("https://") || s.starts_with("http://")) &&
         s.find_first_of(" \t\r\n#") == std::string::npos;
}

// SSO users may be created with a working role, never as owner or platform admin: the IdP
// must not be able to mint the org's most powerful accounts.
Status validate_oidc(const Config& c) {
  const auto& r = c.oidc_default_role;
  if (r != "viewer" && r != "member" && r != "approver" && r != "admin") {
    return Error::invalid("oidc_default_role must be viewer, member, approver or admin",
                          "oidc_default_role");
  }
  if (c.oidc_token_auth_method != "client_secret_basic" &&
      c.oidc_token_auth_method != "client_secret_post") {
    return Error::invalid(
        "oidc_token_auth_method must be client_secret_basic or client_secret_post",
        "oidc_token_auth_method");
  }
  if (!c.oidc_issuer.empty() && !http_url(c.oidc_issuer)) {
    return Error::invalid("oidc_issuer must be an http(s) URL", "oidc_issuer");
  }
  if (!c.oidc_redirect_url.empty() && !http_url(c.oidc_redirect_url)) {
    return Error::invalid("oidc_redirect_url must be an http(s) URL", "oidc_redirect_url");
  }
  return {};
}

}  // namespace

Status validate(const Config& c) {
  if (c.port() < 0 || c.port() > 65535 || c.host().empty()) {
    return Error::invalid("listen must be HOST:PORT, e.g. 127.0.0.1:8787", "listen");
  }
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error") {
    return Error::invalid("log_level must be debug, info, warn or error", "log_level");
  }
  if (c.threads < 2 || c.threads > 1024)
    return Error::invalid("threads must be 2..1024", "threads");
  if (c.read_timeout_s < 1 || c.read_timeout_s > 3600)
    return Error::invalid("read_timeout_s must be 1..3600", "read_timeout_s");
  if (c.jwt_ttl_s < 60) return Error::invalid("jwt_ttl_s must be at least 60", "jwt_ttl_s");
  if (c.argon2_ops < 1 || c.argon2_mem_kib < 8)
    return Error::invalid("argon2 cost too low", "argon2_ops");
  if (c.tls_cert.empty() != c.tls_key.empty())
    return Error::invalid("tls_cert and tls_key go together", "tls_cert");
  if (c.approval_ttl_s < 1 || c.approval_ttl_s > 30 * 86400)
    return Error::invalid("approval_ttl_s must be 1..2592000", "approval_ttl_s");
  if (c.upstream_connect_timeout_ms < 1 || c.upstream_read_timeout_s < 1)
    return Error::invalid("upstream timeouts must be positive", "upstream_read_timeout_s");
  if (auto fees = fee_defaults(c); !fees.ok()) return fees.take_error();
  if (c.stripe_timeout_s < 1 || c.stripe_timeout_s > 600)
    return Error::invalid("stripe_timeout_s must be 1..600", "stripe_timeout_s");
  if (c.stripe_api_base.rfind("http://", 0) != 0 && c.stripe_api_base.rfind("https://", 0) != 0)
    return Error::invalid("stripe_api_base must be an http(s) URL", "stripe_api_base");
  SECU_TRY_VOID(validate_oidc(c));
  if (!c.x402_facilitator_url.empty() && !c.x402_facilitator_url.starts_with("http://") &&
      !c.x402_facilitator_url.starts_with("https://"))
    return Error::invalid("x402_facilitator_url must be an http(s) URL", "x402_facilitator_url");
  if (c.transfer_hold_ttl_s < 10 || c.transfer_hold_ttl_s > 86400)
    return Error::invalid("transfer_hold_ttl_s must be 10..86400", "transfer_hold_ttl_s");
  // A hold must outlive its rail call (connect, then /verify and /settle): else the sweep
  // could release the funds of a payment the rail is still settling.
  if (c.transfer_hold_ttl_s * 1000 <=
      c.upstream_connect_timeout_ms + 2 * 1000 * c.upstream_read_timeout_s)
    return Error::invalid(
        "transfer_hold_ttl_s must exceed the connect timeout plus twice the read timeout",
        "transfer_hold_ttl_s");
  return {};
}

}  // namespace secu::daemon
