// Shell completion and manual pages, generated from the one command tree (CLI11), so they
// cannot drift from the binary:
//   secuctl completion bash|zsh|fish   prints a script that calls `secuctl __complete …`
//   secuctl __complete WORDS… PARTIAL  (hidden) prints the candidates for PARTIAL, one a line:
//                                      subcommands, flags, and live ids from the server for
//                                      positional arguments and flags that take ids
//   secuctl __man                      (hidden) prints secuctl.1 (roff)
#pragma once

#include <CLI/CLI.hpp>

#include "commands/commands.hpp"

namespace secu::cli {

void add_completion_commands(CLI::App& app, Deps& d, RunState& rs);

// Candidates for `partial` after `words` (the command line without the program name).
std::vector<std::string> complete(CLI::App& root, Deps& d, const std::vector<std::string>& words,
                                  const std::string& partial);
// Prints complete()'s candidates for `args` (the words after __complete; the last is partial).
int run_complete(CLI::App& root, Deps& d, const std::vector<std::string>& args);
std::string completion_script(const std::string& shell);
std::string man_page(CLI::App& root);

}  // namespace secu::cli
