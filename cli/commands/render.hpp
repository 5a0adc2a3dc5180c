// Shared steps of the resource commands: build a query string, call, print the answer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "commands/commands.hpp"
#include "output.hpp"

namespace secu::cli {

// Options every list command takes.
struct ListOptions {
  std::string org;
  int64_t limit = 0;
  std::string cursor;
  bool all = false;  // follow next_cursor to the end
};
void add_list_options(CLI::App* cmd, ListOptions& o);

// "?org_id=…&limit=…" from the non-empty pairs (values URL-encoded).
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);
std::string list_query(const ListOptions& o,
                       std::vector<std::pair<std::string, std::string>> extra = {});

// Calls and prints one object (or the list under `list_key` when it is not empty); returns
// the exit code.
int call_and_print(Deps& d, const std::string& method, const std::string& path,
                   const nlohmann::json& body, const std::vector<Column>& columns,
                   const std::string& id_key = "id");
// With `all`, follows next_cursor page after page and prints the rows as one list (progress on
// stderr when it is a terminal).
int call_and_print_list(Deps& d, const std::string& path, const std::string& list_key,
                        const std::vector<Column>& columns, bool all = false);

// --dry-run on a create command: secud runs every check and stores nothing.
void add_dry_run_flag(CLI::App* cmd, Deps& d);

// Asks "question [y/N]" when stdin and stdout are terminals; without one, `yes` (--yes) must be
// set. Returns true to go on; false after printing why not.
bool confirm(Deps& d, const std::string& question, bool yes);

// Reads a secret from FILE (whole file, trailing newline dropped) or, with FILE "-" or empty
// and stdin not a terminal, from stdin. Secrets never come from argv (visible in ps).
Result<std::string> read_secret(Deps& d, const std::string& file, const char* what);

}  // namespace secu::cli
