// secuctl: the Secu admin CLI. Exit codes are mapped here and in deps.cpp only:
// 0 ok, 1 error, 2 usage, 3 auth, 4 not found, 5 conflict, 6 unreachable.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "commands/commands.hpp"
#include "complete.hpp"
#include "deps.hpp"
#include "secu/crypto.hpp"

using namespace secu::cli;

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
}  // namespace

int main(int argc, char** argv) {
  if (!secu::crypto::init().ok()) return kExitError;
  Deps d;
  d.out = &std::cout;
  d.err = &std::cerr;
  d.in = &std::cin;
  d.stdout_tty = ::isatty(STDOUT_FILENO);
  d.stdin_tty = ::isatty(STDIN_FILENO);
  d.stderr_tty = ::isatty(STDERR_FILENO);

  CLI::App app{"secuctl: administer Secu (agents, policies, keys, approvals, audit, billing)",
               "secuctl"};
  app.require_subcommand(1);
  app.fallthrough();
  auto& g = d.global;
  // Flags beat env, env beats the stored context (resolved in Deps), which beats defaults.
  // CLI11's envname() is not used: a config file would beat it, so env is folded in by hand.
  app.add_option("--addr", g.addr, "secud address, http(s)://HOST:PORT (env SECU_ADDR)");
  app.add_option("--admin-token", g.admin_token, "platform admin token (env SECU_ADMIN_TOKEN)");
  app.add_option("--token", g.token, "console session token (env SECU_TOKEN)");
  app.add_option("--data-dir", g.data_dir,
                 "secud data dir whose admin.token is used (env SECU_DATA_DIR)");
  app.add_option("--context", g.context, "stored context to use (env SECU_CONTEXT)");
  app.add_option("-o,--output", g.output, "output format: table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  app.add_flag("-q,--quiet", g.quiet, "print only ids, one per line");
  app.add_flag("--no-headers", g.no_headers, "omit table and CSV headers");
  app.add_option("--color", g.color,
                 "colour: auto (a terminal, unless NO_COLOR is set), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_option("--ca-file", g.ca_file,
                 "PEM CA certificate(s) that signed secud's TLS certificate (env SECU_CA_FILE; "
                 "default: the system's CAs)");
  app.add_flag("--insecure", g.insecure,
               "do not verify secud's TLS certificate (testing only; prints a warning)");

  RunState rs;
  add_core_commands(app, d, rs);
  add_auth_commands(app, d, rs);
  add_orgs_users_commands(app, d, rs);
  add_state_commands(app, d, rs);
  add_agents_commands(app, d, rs);
  add_policies_commands(app, d, rs);
  add_vendors_commands(app, d, rs);
  add_keys_commands(app, d, rs);
  add_approvals_commands(app, d, rs);
  add_billing_commands(app, d, rs);
  add_gateway_commands(app, d, rs);
  add_audit_commands(app, d, rs);
  add_ledger_commands(app, d, rs);
  add_tx_commands(app, d, rs);
  add_marketplace_commands(app, d, rs);
  add_admin_rotation_commands(app, d, rs);
  add_backup_commands(app, d, rs);
  add_completion_commands(app, d, rs);
  add_contexts_commands(app, d, rs);
  add_help_topics_commands(app, d, rs);

  // Environment fills what the flags left empty (flag > env > stored context > default).
  auto fold_env = [&g] {
    if (g.addr.empty()) g.addr = env("SECU_ADDR");
    if (g.admin_token.empty()) g.admin_token = env("SECU_ADMIN_TOKEN");
    if (g.token.empty()) g.token = env("SECU_TOKEN");
    if (g.data_dir.empty()) g.data_dir = env("SECU_DATA_DIR");
    if (g.context.empty()) g.context = env("SECU_CONTEXT");
    if (g.ca_file.empty()) g.ca_file = env("SECU_CA_FILE");
  };

  if (argc == 2 && std::string(argv[1]) == "__endpoints") {
    // Hidden: which endpoint each command calls (held against `secud routes` by a test).
    print_endpoints(std::cout);
    return kExitOk;
  }
  if (argc >= 2 && std::string(argv[1]) == "__complete") {
    // Shell completion: the rest of the line is a partial command, not something to parse.
    fold_env();
    return run_complete(app, d, std::vector<std::string>(argv + 2, argv + argc));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 exits 100-127 for parse errors; DESIGN.md says usage errors exit 2.
    std::cerr << "secuctl: " << e.what() << "\n"
              << "Run 'secuctl --help' for usage.\n";
    return kExitUsage;
  }
  fold_env();
  if (!rs.run) return kExitUsage;
  try {
    return rs.run();
  } catch (const std::exception& e) {
    std::cerr << "secuctl: unexpected error: " << e.what() << "\n";
    return kExitError;
  }
}
