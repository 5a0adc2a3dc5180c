// Reading secrets for secuctl: from stdin (--password-stdin, for scripts) or from the terminal
// without echo. Never from a flag: argv is visible to every user of the machine (ps).
#pragma once

#include <string>

#include "deps.hpp"

namespace secu::cli {

// The first line of stdin when `from_stdin`; else a prompt on stderr with echo off (asked
// twice when `confirm`). kInvalid when there is no terminal to prompt on, the input is empty,
// or the two entries differ.
Result<std::string> read_secret(Deps& d, const std::string& prompt, bool from_stdin,
                                bool confirm = false);

}  // namespace secu::cli
