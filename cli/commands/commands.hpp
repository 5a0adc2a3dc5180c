// Every command area registers its subcommands here; one file per API area (mirrors
// daemon/api). Each verb: an Options struct, add_<area>_<verb>() that only parses, and
// <area>_<verb>_run(opts, deps) that does the work and returns the exit code.
#pragma once

#include <CLI/CLI.hpp>

#include "deps.hpp"

namespace secu::cli {

// CLI11 callbacks only record which command to run; main() runs it after parsing, once the
// environment has been folded under the flags. So parse tests can check options without I/O.
struct RunState {
  std::function<int()> run;
};

void add_core_commands(CLI::App& app, Deps& d, RunState& rs);
void add_auth_commands(CLI::App& app, Deps& d, RunState& rs);
void add_orgs_users_commands(CLI::App& app, Deps& d, RunState& rs);
void add_state_commands(CLI::App& app, Deps& d, RunState& rs);
void add_agents_commands(CLI::App& app, Deps& d, RunState& rs);
void add_policies_commands(CLI::App& app, Deps& d, RunState& rs);
void add_vendors_commands(CLI::App& app, Deps& d, RunState& rs);
void add_keys_commands(CLI::App& app, Deps& d, RunState& rs);
void add_approvals_commands(CLI::App& app, Deps& d, RunState& rs);
void add_billing_commands(CLI::App& app, Deps& d, RunState& rs);
// billing customer | invoice | invoices (Stripe), under the billing command.
void add_billing_stripe_commands(CLI::App* billing, Deps& d, RunState& rs);
void add_gateway_commands(CLI::App& app, Deps& d, RunState& rs);
void add_audit_commands(CLI::App& app, Deps& d, RunState& rs);
void add_contexts_commands(CLI::App& app, Deps& d, RunState& rs);
void add_help_topics_commands(CLI::App& app, Deps& d, RunState& rs);
// admin rotate-admin-token | rotate-jwt-key (makes `admin` unless another file did).
void add_admin_rotation_commands(CLI::App& app, Deps& d, RunState& rs);

// The endpoints a command calls, in secud's route form: calls(create, {"POST /v1/agents"}).
// `secuctl __endpoints` prints them, so a test holds the command tree against the route table.
void calls(CLI::App* cmd, std::initializer_list<const char*> endpoints);
// "METHOD PATH<TAB>secuctl sub cmd" per registered endpoint, sorted.
void print_endpoints(std::ostream& out);
void add_ledger_commands(CLI::App& app, Deps& d, RunState& rs);
void add_tx_commands(CLI::App& app, Deps& d, RunState& rs);
void add_marketplace_commands(CLI::App& app, Deps& d, RunState& rs);
// admin backup (under `admin`, made here unless another file made it first).
void add_backup_commands(CLI::App& app, Deps& d, RunState& rs);

// Helpers shared by command files.
// Calls secud and prints errors; on success returns the parsed JSON body (or null when empty).
struct CallResult {
  int exit_code = 0;
  std::string body;
  bool ok() const { return exit_code == 0; }
};
CallResult call(Deps& d, const std::string& method, const std::string& path,
                const std::string& body = {}, bool authenticated = true);

}  // namespace secu::cli
