// secuctl state: the redacted snapshot of everything in scope (GET /v1/state). -o json is the
// snapshot itself (for backups and diffs); the table counts what each area holds.
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "output.hpp"

namespace secu::cli {

namespace {

struct StateOptions {
  std::string org_id;
};

int state_run(const StateOptions& o, Deps& d) {
  const std::string path =
      "/v1/state" + (o.org_id.empty() ? std::string() : "?org_id=" + url_encode(o.org_id));
  auto r = call(d, "GET", path);
  if (!r.ok()) return r.exit_code;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return report_error(d, Error::internal("secud answered a non-JSON body"));
  }
  if (d.format() == OutputFormat::kJson && !d.global.quiet) {
    *d.out << j.dump(d.stdout_tty ? 2 : -1) << "\n";
    return kExitOk;
  }
  // Table, CSV, -q: one row per area with its count (-q: the areas that hold something).
  nlohmann::json rows = {{"areas", nlohmann::json::array()}};
  for (const auto& [area, items] : j.items()) {
    rows["areas"].push_back(
        {{"area", area}, {"count", items.is_array() ? items.size() : size_t{0}}});
  }
  print_list(d, rows, "areas", {{"AREA", "area"}, {"COUNT", "count"}}, "area");
  return kExitOk;
}

}  // namespace

void add_state_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto o = std::make_shared<StateOptions>();
  auto* state = app.add_subcommand(
      "state",
      "The redacted state snapshot: orgs, users, agents, policies, vendors, keys, "
      "approvals, billing settings\n"
      "  secuctl -o json state > snapshot.json");
  state->add_option("--org-id", o->org_id, "one org (platform admin)");
  calls(state, {"GET /v1/state"});
  state->callback([o, &d, &rs] { rs.run = [o, &d] { return state_run(*o, d); }; });
}

}  // namespace secu::cli
