// secuctl config set-context|use-context|get-contexts|current-context|delete-context: named
// connections (address and where the credentials come from), kubectl-style. The file is
// written 0600 and refused when others can read it (config.cpp).
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "commands/render.hpp"
#include "config.hpp"

namespace secu::cli {

namespace {

struct SetContextOptions {
  std::string name, addr, admin_token_file, ca_file;
  bool use = false;
};

int set_context_run(const SetContextOptions& o, Deps& d) {
  auto cfg = load_cli_config();
  if (!cfg.ok()) return report_error(d, cfg.error());
  if (o.addr.rfind("http://", 0) != 0 && o.addr.rfind("https://", 0) != 0 && !o.addr.empty())
    return report_error(d, Error::invalid("--addr must start with http:// or https://", "addr"));
  auto& ctx = cfg->contexts[o.name];
  if (!o.addr.empty()) ctx.addr = o.addr;
  if (!o.admin_token_file.empty()) ctx.admin_token_file = o.admin_token_file;
  if (!o.ca_file.empty()) {
    // Stored absolute: the context is used from any directory.
    std::error_code ec;
    const auto abs = std::filesystem::absolute(o.ca_file, ec);
    ctx.ca_file = ec ? o.ca_file : abs.string();
  }
  if (o.use || cfg->contexts.size() == 1) cfg->current = o.name;
  if (auto st = save_cli_config(*cfg); !st.ok()) return report_error(d, st.error());
  if (!d.global.quiet) *d.err << "context " << o.name << " saved\n";
  return kExitOk;
}

int use_context_run(const std::string& name, Deps& d) {
  auto cfg = load_cli_config();
  if (!cfg.ok()) return report_error(d, cfg.error());
  if (!cfg->contexts.count(name)) return report_error(d, Error::not_found("context " + name));
  cfg->current = name;
  if (auto st = save_cli_config(*cfg); !st.ok()) return report_error(d, st.error());
  if (!d.global.quiet) *d.err << "switched to context " << name << "\n";
  return kExitOk;
}

int delete_context_run(const std::string& name, Deps& d) {
  auto cfg = load_cli_config();
  if (!cfg.ok()) return report_error(d, cfg.error());
  if (!cfg->contexts.erase(name)) return report_error(d, Error::not_found("context " + name));
  if (auto st = save_cli_config(*cfg); !st.ok()) return report_error(d, st.error());
  return kExitOk;
}

// The credential a context holds, named but never shown.
std::string auth_kind(const Context& c) {
  if (!c.token.empty()) return "session";
  if (!c.admin_token_file.empty()) return "admin-token-file";
  return c.logged_out ? "logged out" : "";
}

int get_contexts_run(Deps& d) {
  auto cfg = load_cli_config();
  if (!cfg.ok()) return report_error(d, cfg.error());
  const std::string current = d.global.context.empty() ? cfg->current : d.global.context;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [name, c] : cfg->contexts) {
    nlohmann::json j = {{"name", name}, {"current", name == current}};
    if (!c.addr.empty()) j["addr"] = c.addr;
    if (!c.admin_token_file.empty()) j["admin_token_file"] = c.admin_token_file;
    if (!c.ca_file.empty()) j["ca_file"] = c.ca_file;
    if (auto kind = auth_kind(c); !kind.empty()) j["auth"] = kind;
    items.push_back(std::move(j));
  }
  print_list(d, nlohmann::json{{"contexts", items}}, "contexts",
             {{"CURRENT", "current"}, {"NAME", "name"}, {"ADDR", "addr"}, {"AUTH", "auth"}},
             "name");
  return kExitOk;
}

int current_context_run(Deps& d) {
  auto cfg = load_cli_config();
  if (!cfg.ok()) return report_error(d, cfg.error());
  *d.out << (d.global.context.empty() ? cfg->current : d.global.context) << "\n";
  return kExitOk;
}

}  // namespace

void add_contexts_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* config = app.add_subcommand("config", "Named contexts: which secud and which credentials");
  config->require_subcommand(1);

  auto so = std::make_shared<SetContextOptions>();
  auto* set = config->add_subcommand(
      "set-context",
      "Create or update a context\n  secuctl config set-context "
      "prod --addr https://secu.example:8787 "
      "--admin-token-file /etc/secu/admin.token --ca-file /etc/secu/ca.pem --use");
  set->add_option("name", so->name, "context name")->required();
  set->add_option("--addr", so->addr, "secud address, http(s)://HOST:PORT");
  set->add_option("--admin-token-file", so->admin_token_file,
                  "file holding the admin token (must be 0600; read at each use)");
  set->add_option("--ca-file", so->ca_file,
                  "PEM CA certificate(s) that signed the https:// secud's certificate");
  set->add_flag("--use", so->use, "make it the current context");
  set->callback([so, &d, &rs] { rs.run = [so, &d] { return set_context_run(*so, d); }; });

  auto use_name = std::make_shared<std::string>();
  auto* use = config->add_subcommand("use-context", "Make a context the current one");
  use->add_option("name", *use_name, "context name")->required();
  use->callback(
      [use_name, &d, &rs] { rs.run = [use_name, &d] { return use_context_run(*use_name, d); }; });

  auto del_name = std::make_shared<std::string>();
  auto* del = config->add_subcommand("delete-context", "Forget a context and its stored session");
  del->add_option("name", *del_name, "context name")->required();
  del->callback([del_name, &d, &rs] {
    rs.run = [del_name, &d] { return delete_context_run(*del_name, d); };
  });

  config->add_subcommand("get-contexts", "List the contexts (credentials are never shown)")
      ->callback([&d, &rs] { rs.run = [&d] { return get_contexts_run(d); }; });
  config->add_subcommand("current-context", "Print the current context's name")
      ->callback([&d, &rs] { rs.run = [&d] { return current_context_run(d); }; });
}

}  // namespace secu::cli
