// secuctl's stored configuration: contexts (address, credentials) in
// $XDG_CONFIG_HOME/secu/config.json (default ~/.config/secu), written 0600 and refused when
// group- or world-readable, since it can hold a session token.
#pragma once

#include <map>
#include <string>

#include "secu/result.hpp"

namespace secu::cli {

struct Context {
  std::string addr;
  std::string token;             // console JWT stored by `secuctl login`
  std::string admin_token_file;  // read for the admin token
  std::string ca_file;           // the CA of addr's certificate (--ca-file and SECU_CA_FILE win)
  bool logged_out = false;       // set by logout: no implicit admin.token until the next login
};

struct CliConfig {
  std::string current = "default";
  std::map<std::string, Context> contexts;
};

std::string config_dir();
std::string config_path();
Result<CliConfig> load_cli_config();
Status save_cli_config(const CliConfig& c);

}  // namespace secu::cli
