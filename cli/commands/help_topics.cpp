// secuctl help [TOPIC]: what does not fit one command's --help (like `gh help environment`).
#include <ostream>

#include "commands/commands.hpp"

namespace secu::cli {

namespace {

struct Topic {
  const char* name;
  const char* summary;
  const char* text;
};

constexpr Topic kTopics[] = {
    {"environment", "Environment variables secuctl reads",
     R"(Environment variables (a flag beats its variable, which beats the stored context):

  SECU_ADDR           secud address, http(s)://HOST:PORT (default http://127.0.0.1:8787)
  SECU_TOKEN          console session token (a JWT from login or SSO)
  SECU_ADMIN_TOKEN    the platform admin token
  SECU_DATA_DIR       a secud data dir whose admin.token is used when nothing else is given
  SECU_CONTEXT        the stored context to use instead of the current one
  SECU_AGENT_KEY      an agent key, for the commands that act as an agent
  NO_COLOR            any value turns colour off (unless --color=always)
  XDG_CONFIG_HOME     where config.json lives (default ~/.config/secu)

Credentials, highest first: --token / SECU_TOKEN, --admin-token / SECU_ADMIN_TOKEN, the
session `secuctl login` stored in the context, the context's --admin-token-file, then the
admin.token of --data-dir / SECU_DATA_DIR. Stored credentials must be 0600.
)"},
    {"exit-codes", "What each exit status means",
     R"(Exit codes:

  0  ok
  1  error (the server failed, or the answer could not be used)
  2  usage (bad flags or input, or a destructive command without --yes and no terminal)
  3  authentication or permission (401/403: log in, or use an account with the role)
  4  not found (404)
  5  conflict (409: already exists, idempotency key reused with another body)
  6  unreachable (secud did not answer: address, TLS or network)

The error itself goes to stderr on one line: secuctl: MESSAGE (CODE, field F, request ID).
)"},
    {"formatting", "Output formats for people and scripts",
     R"(Output:

  -o table     aligned columns for people (the default); long cells are cut on a terminal
  -o json      the server's JSON, unchanged: the stable contract for scripts
  -o csv       RFC 4180, one header line (cells starting = + - @ are quoted against formula
               injection)
  -q           only ids, one per line: AGENT=$(secuctl -q agents create --name bot)
  --no-headers tables and CSV without their header line
  --color      auto (colour on a terminal unless NO_COLOR is set), always, never

Lists take --limit N (1-1000), --cursor C (the previous page's next_cursor) and --all (every
page, followed for you). Progress and hints go to stderr, and only when it is a terminal.
)"},
};

}  // namespace

void add_help_topics_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto topic = std::make_shared<std::string>();
  std::string names;
  for (const auto& t : kTopics)
    names += std::string(names.empty() ? "" : ", ") + t.name;
  auto* help = app.add_subcommand("help", "Help topics: " + names);
  help->add_option("topic", *topic, "environment, exit-codes or formatting");
  help->callback([topic, &app, &d, &rs] {
    rs.run = [topic, &app, &d] {
      if (topic->empty()) {
        *d.out << app.help() << "\nHelp topics (secuctl help TOPIC):\n";
        for (const auto& t : kTopics)
          *d.out << "  " << t.name << std::string(14 - std::string(t.name).size(), ' ') << t.summary
                 << "\n";
        return kExitOk;
      }
      for (const auto& t : kTopics) {
        if (*topic == t.name) {
          *d.out << t.text;
          return kExitOk;
        }
      }
      *d.err << "secuctl: no help topic " << *topic << " (topics: environment, exit-codes, "
             << "formatting)\n";
      return kExitUsage;
    };
  });
}

}  // namespace secu::cli
