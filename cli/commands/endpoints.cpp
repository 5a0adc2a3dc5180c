// The command ↔ endpoint registry behind `secuctl __endpoints` (see commands.hpp).
#include <algorithm>
#include <ostream>
#include <utility>
#include <vector>

#include "commands/commands.hpp"

namespace secu::cli {

namespace {

std::vector<std::pair<const CLI::App*, std::string>>& registry() {
  static std::vector<std::pair<const CLI::App*, std::string>> r;
  return r;
}

std::string command_path(const CLI::App* cmd) {
  std::string path;
  for (const CLI::App* a = cmd; a && a->get_parent(); a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  return "secuctl " + path;
}

}  // namespace

void calls(CLI::App* cmd, std::initializer_list<const char*> endpoints) {
  for (const char* e : endpoints)
    registry().emplace_back(cmd, e);
}

void print_endpoints(std::ostream& out) {
  std::vector<std::string> lines;
  for (const auto& [cmd, endpoint] : registry())
    lines.push_back(endpoint + "\t" + command_path(cmd));
  std::sort(lines.begin(), lines.end());
  for (const auto& l : lines)
    out << l << "\n";
}

}  // namespace secu::cli
