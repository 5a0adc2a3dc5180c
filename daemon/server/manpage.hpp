// secud.8, generated from the option table (server/config.cpp) so the manual lists exactly the
// flags, environment variables and config keys the daemon reads. `secud __man` prints it.
#pragma once

#include <string>

namespace secu::daemon {

std::string man_page();

}  // namespace secu::daemon
