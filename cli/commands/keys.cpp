// secuctl keys create|list|get|rotate|revoke. `-q keys create` prints only the secret, so a CI
// script can capture it: KEY=$(secuctl -q keys create --agent $AGENT --vendor $VENDOR).
#include <string>

#include "commands/render.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kKeyColumns = {
    {"ID", "id"},
    {"AGENT", "agent_id"},
    {"VENDOR", "vendor_id"},
    {"PREFIX", "prefix"},
    {"STATUS", "status"},
    {"LAST USED", "last_used_at"},
    {"CREATED", "created_at"},
};

// "90" / "90s" / "30m" / "1h" → seconds (secud checks the range).
Result<int64_t> parse_duration_s(const std::string& text) {
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (...) {
    return Error::invalid("--grace must be a duration like 90s, 30m or 1h", "grace");
  }
  const std::string unit = text.substr(used);
  int64_t mult = 0;
  if (unit.empty() || unit == "s") mult = 1;
  if (unit == "m") mult = 60;
  if (unit == "h") mult = 3600;
  if (mult == 0 || n < 0 || n > 86400)
    return Error::invalid("--grace must be a duration like 90s, 30m or 1h", "grace");
  return n * mult;
}

}  // namespace

void add_keys_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* keys = app.add_subcommand("keys", "Manage agent keys (one agent + one vendor)");
  keys->require_subcommand(1);

  auto agent = std::make_shared<std::string>(), vendor = std::make_shared<std::string>();
  auto* create = keys->add_subcommand(
      "create", "Create a key; its secret is shown once (with -q: only the secret)");
  create->add_option("--agent", *agent, "agent id")->required();
  create->add_option("--vendor", *vendor, "vendor id")->required();
  add_dry_run_flag(create, d);
  calls(create, {"POST /v1/keys"});
  create->callback([agent, vendor, &d, &rs] {
    rs.run = [agent, vendor, &d] {
      std::vector<Column> cols = kKeyColumns;
      cols.insert(cols.begin() + 1, {"SECRET (shown once)", "key"});
      return call_and_print(d, "POST", "/v1/keys", {{"agent_id", *agent}, {"vendor_id", *vendor}},
                            cols, "key");
    };
  });

  auto lo = std::make_shared<ListOptions>();
  auto la = std::make_shared<std::string>(), lv = std::make_shared<std::string>();
  auto* list = keys->add_subcommand("list", "List keys");
  add_list_options(list, *lo);
  list->add_option("--agent", *la, "only this agent's keys");
  list->add_option("--vendor", *lv, "only this vendor's keys");
  calls(list, {"GET /v1/keys"});
  list->callback([lo, la, lv, &d, &rs] {
    rs.run = [lo, la, lv, &d] {
      return call_and_print_list(
          d, "/v1/keys" + list_query(*lo, {{"agent_id", *la}, {"vendor_id", *lv}}), "keys",
          kKeyColumns, lo->all);
    };
  });

  auto gid = std::make_shared<std::string>();
  auto* get = keys->add_subcommand("get", "Show a key (never its secret)");
  get->add_option("key_id", *gid, "key id")->required();
  calls(get, {"GET /v1/keys/{id}"});
  get->callback([gid, &d, &rs] {
    rs.run = [gid, &d] {
      return call_and_print(d, "GET", "/v1/keys/" + url_encode(*gid), nullptr, kKeyColumns);
    };
  });

  auto tid = std::make_shared<std::string>(), grace = std::make_shared<std::string>();
  auto* rotate = keys->add_subcommand(
      "rotate",
      "Replace a key by a new one (same agent and vendor; secret shown once, with -q only the "
      "secret); the old key keeps working for --grace\n  secuctl keys rotate KEY_ID --grace 1h");
  rotate->add_option("key_id", *tid, "key id")->required();
  rotate->add_option("--grace", *grace,
                     "how long the old key keeps working: 0 (default), 90s, 30m, 1h … 24h");
  calls(rotate, {"POST /v1/keys/{id}/rotate"});
  rotate->callback([tid, grace, &d, &rs] {
    rs.run = [tid, grace, &d] {
      auto secs = parse_duration_s(grace->empty() ? "0" : *grace);
      if (!secs.ok()) return report_error(d, secs.error());
      std::vector<Column> cols = kKeyColumns;
      cols.insert(cols.begin() + 1, {"SECRET (shown once)", "key"});
      return call_and_print(d, "POST", "/v1/keys/" + url_encode(*tid) + "/rotate",
                            {{"grace_seconds", *secs}}, cols, "key");
    };
  });

  auto rid = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  auto* revoke = keys->add_subcommand("revoke", "Revoke a key");
  revoke->add_option("key_id", *rid, "key id")->required();
  revoke->add_flag("-y,--yes", *yes, "do not ask for confirmation");
  calls(revoke, {"DELETE /v1/keys/{id}"});
  revoke->callback([rid, yes, &d, &rs] {
    rs.run = [rid, yes, &d] {
      if (!confirm(d, "Revoke key " + *rid + "?", *yes)) return kExitUsage;
      return call_and_print(d, "DELETE", "/v1/keys/" + url_encode(*rid), nullptr, kKeyColumns);
    };
  });
}

}  // namespace secu::cli
