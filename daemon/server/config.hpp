// secud's configuration: one table of options drives the command-line flags, the SECU_*
// environment variables, the JSON config file, `secud --help` and the man page.
//
// Precedence, highest first (model: ccache's config.cpp):
//   1. command-line flag
//   2. environment variable SECU_<NAME>
//   3. config file (--config FILE or SECU_CONFIG), JSON object keyed by option name
//   4. built-in default
// The resulting Config is immutable; SIGHUP builds a new one and swaps the shared_ptr whole.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "secu/billing_math.hpp"
#include "secu/result.hpp"

namespace secu::daemon {

struct Config {
  std::string listen = "127.0.0.1:8787";
  std::string data_dir;  // default: $XDG_DATA_HOME/secu or ~/.local/share/secu
  std::string port_file;
  std::string config_file;
  std::string log_level = "info";
  int64_t threads = 32;
  int64_t read_timeout_s = 10;
  bool print_admin_token = true;
  // Identity and sessions.
  int64_t jwt_ttl_s = 12 * 3600;
  int64_t argon2_ops = 2;
  int64_t argon2_mem_kib = 64 * 1024;
  std::string console_url;
  std::string redirect_allowlist;  // comma-separated URL prefixes
  // Mail (magic links, verification); empty smtp_url = email disabled.
  std::string smtp_url;
  std::string smtp_user;
  std::string smtp_password_file;
  std::string mail_from;
  std::string public_url;  // base of links in mails; default http://<listen>
  // OIDC single sign-on (all three of issuer, client id and org enable it).
  std::string oidc_issuer;
  std::string oidc_client_id;
  std::string oidc_client_secret_file;                         // "" = public client (PKCE alone)
  std::string oidc_token_auth_method = "client_secret_basic";  // or client_secret_post
  std::string oidc_redirect_url;  // default <public url>/v1/auth/oidc/callback
  std::string oidc_org;           // the org SSO users join
  std::string oidc_default_role = "member";
  std::string oidc_allowed_domains;  // comma-separated email domains; "" = any
  // Login throttling.
  int64_t login_max_attempts = 10;
  int64_t login_window_s = 300;
  // TLS.
  std::string tls_cert;
  std::string tls_key;
  // Gateway (data plane), approvals and fees.
  int64_t approval_ttl_s = 900;
  int64_t upstream_connect_timeout_ms = 5000;
  int64_t upstream_read_timeout_s = 30;
  std::string fee_mode = "take_rate";    // take_rate | per_action; orgs may override
  int64_t take_rate_bps = 0;             // 0..10,000
  std::string fee_per_action_usd = "0";  // decimal USD
  // Stripe (billing). No key file and no SECU_STRIPE_SECRET_KEY = Stripe not configured.
  std::string stripe_secret_key_file;
  std::string stripe_api_base = "https://api.stripe.com";
  int64_t stripe_timeout_s = 30;
  // Transfers (the ledger's external rails); an empty URL leaves the rail unconfigured.
  std::string x402_facilitator_url;
  int64_t transfer_hold_ttl_s = 600;

  std::string host() const;
  int port() const;
};

enum class OptionType { kString, kInt, kBool };

struct OptionSpec {
  const char* name;  // flag is --name with '_' → '-', env is SECU_NAME, file key is name
  OptionType type;
  const char* help;
  std::string Config::*str = nullptr;
  int64_t Config::*num = nullptr;
  bool Config::*flag = nullptr;
};

std::span<const OptionSpec> option_specs();
std::string flag_name(const OptionSpec& o);  // "data-dir"
std::string env_name(const OptionSpec& o);   // "SECU_DATA_DIR"

// Option values as given on the command line (only options actually given).
using FlagValues = std::map<std::string, std::string>;

// Builds a Config from the four sources above. `env` is looked up through getenv.
Result<Config> load_config(const FlagValues& flags);
// Validates a finished config (listen address, level, ranges).
Status validate(const Config& c);
// The daemon's default fee schedule (fee_mode, take_rate_bps, fee_per_action_usd); 400 when
// one of them is invalid.
Result<billing::FeeSchedule> fee_defaults(const Config& c);

}  // namespace secu::daemon
