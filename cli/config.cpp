#include "config.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "secu/files.hpp"

namespace secu::cli {

std::string config_dir() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/secu";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/secu";
  return ".secu-config";
}

std::string config_path() {
  return config_dir() + "/config.json";
}

Result<CliConfig> load_cli_config() {
  CliConfig c;
  const std::string path = config_path();
  if (!files::exists(path)) return c;
  SECU_TRY(unsigned mode, files::mode_of(path));
  if (mode & 077) {
    return Error::make(ErrorKind::kInvalid, "insecure_config",
                       path + " is readable by others; run: chmod 600 " + path);
  }
  SECU_TRY(auto text, files::read_all(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error::make(ErrorKind::kInvalid, "bad_config", path + " is not valid JSON");
  }
  c.current = j.value("current_context", std::string("default"));
  if (j.contains("contexts") && j["contexts"].is_object()) {
    for (const auto& [name, v] : j["contexts"].items()) {
      if (!v.is_object()) continue;
      Context ctx;
      ctx.addr = v.value("addr", std::string());
      ctx.token = v.value("token", std::string());
      ctx.admin_token_file = v.value("admin_token_file", std::string());
      ctx.ca_file = v.value("ca_file", std::string());
      ctx.logged_out = v.value("logged_out", false);
      c.contexts[name] = ctx;
    }
  }
  return c;
}

Status save_cli_config(const CliConfig& c) {
  SECU_TRY_VOID(files::make_dir(config_dir(), 0700));
  nlohmann::json j;
  j["current_context"] = c.current;
  j["contexts"] = nlohmann::json::object();
  for (const auto& [name, ctx] : c.contexts) {
    nlohmann::json v = nlohmann::json::object();
    if (!ctx.addr.empty()) v["addr"] = ctx.addr;
    if (!ctx.token.empty()) v["token"] = ctx.token;
    if (!ctx.admin_token_file.empty()) v["admin_token_file"] = ctx.admin_token_file;
    if (!ctx.ca_file.empty()) v["ca_file"] = ctx.ca_file;
    if (ctx.logged_out) v["logged_out"] = true;
    j["contexts"][name] = v;
  }
  return files::write_atomic(config_path(), j.dump(2) + "\n", 0600);
}

}  // namespace secu::cli
