#include "complete.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "secu/clock.hpp"

namespace secu::cli {

namespace {

bool hidden(const CLI::App* a) {
  return a->get_group().empty();
}

std::vector<CLI::App*> visible_subcommands(CLI::App* a) {
  return a->get_subcommands([](CLI::App* s) { return !s->get_name().empty() && !hidden(s); });
}

const CLI::Option* find_option(CLI::App* a, const std::string& word) {
  for (CLI::App* cur = a; cur; cur = cur->get_parent()) {
    for (const auto* o : cur->get_options()) {
      for (const auto& l : o->get_lnames())
        if (word == "--" + l) return o;
      for (const auto& s : o->get_snames())
        if (word == "-" + s) return o;
    }
  }
  return nullptr;
}

bool takes_value(const CLI::Option* o) {
  return o->get_items_expected_max() > 0;
}

// Which list endpoint holds the ids a positional argument or a flag names.
struct IdSource {
  const char* list_path;
  const char* list_key;
};
std::optional<IdSource> id_source(const std::string& name) {
  if (name == "agent_id" || name == "agent" || name == "--agent")
    return IdSource{"/v1/agents", "agents"};
  if (name == "policy_id" || name == "--policy" || name == "--attach-policy" ||
      name == "--detach-policy")
    return IdSource{"/v1/policies", "policies"};
  if (name == "vendor_id" || name == "--vendor") return IdSource{"/v1/vendors", "vendors"};
  if (name == "key_id") return IdSource{"/v1/keys", "keys"};
  if (name == "approval_id") return IdSource{"/v1/approvals?status=pending", "approvals"};
  if (name == "invoice_id") return IdSource{"/v1/billing/stripe/invoices", "invoices"};
  if (name == "--org" || name == "org_id") return IdSource{"/v1/orgs", "orgs"};
  return std::nullopt;
}

std::vector<std::string> fetch_ids(Deps& d, const IdSource& src) {
  std::vector<std::string> ids;
  auto client = d.client();
  if (!client.ok()) return ids;
  auto r = (*client)->call(
      "GET", std::string(src.list_path) + (std::string(src.list_path).find('?') == std::string::npos
                                               ? "?limit=200"
                                               : "&limit=200"));
  if (!r.ok() || !r->ok()) return ids;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.contains(src.list_key)) return ids;
  for (const auto& item : j[src.list_key])
    if (item.contains("id") && item["id"].is_string()) ids.push_back(item["id"]);
  return ids;
}

}  // namespace

std::vector<std::string> complete(CLI::App& root, Deps& d, const std::vector<std::string>& words,
                                  const std::string& partial) {
  CLI::App* cur = &root;
  size_t positionals = 0;
  const CLI::Option* pending = nullptr;  // a flag whose value is the next word
  for (const auto& w : words) {
    if (pending) {
      // Global connection flags typed before the cursor apply to the id look-ups.
      const std::string name = pending->get_lnames().empty() ? "" : pending->get_lnames()[0];
      if (name == "addr") d.global.addr = w;
      if (name == "token") d.global.token = w;
      if (name == "admin-token") d.global.admin_token = w;
      if (name == "data-dir") d.global.data_dir = w;
      if (name == "context") d.global.context = w;
      pending = nullptr;
      continue;
    }
    if (w.rfind("-", 0) == 0) {
      const auto eq = w.find('=');
      const auto* o = find_option(cur, w.substr(0, eq));
      if (o && takes_value(o) && eq == std::string::npos) pending = o;
      continue;
    }
    bool descended = false;
    for (auto* s : visible_subcommands(cur)) {
      if (s->get_name() == w) {
        cur = s;
        positionals = 0;
        descended = true;
        break;
      }
    }
    if (!descended) ++positionals;
  }
  std::vector<std::string> out;
  if (pending) {
    // The value of a flag: ids when the flag names a resource, the allowed set for -o.
    if (pending->get_lnames().size() && pending->get_lnames()[0] == "output")
      return {"table", "json", "csv"};
    if (auto src = id_source(
            "--" + (pending->get_lnames().empty() ? std::string() : pending->get_lnames()[0])))
      return fetch_ids(d, *src);
    return out;
  }
  if (partial.rfind("-", 0) == 0) {
    std::set<std::string> seen;
    for (CLI::App* a = cur; a; a = a->get_parent()) {
      for (const auto* o : a->get_options()) {
        for (const auto& l : o->get_lnames())
          if (seen.insert("--" + l).second) out.push_back("--" + l);
      }
    }
    return out;
  }
  for (auto* s : visible_subcommands(cur))
    out.push_back(s->get_name());
  // The next positional of this command, if it names a resource.
  std::vector<const CLI::Option*> pos;
  for (const auto* o : cur->get_options())
    if (o->get_positional() && !o->nonpositional()) pos.push_back(o);
  if (positionals < pos.size()) {
    if (auto src = id_source(pos[positionals]->get_name(true))) {
      auto ids = fetch_ids(d, *src);
      out.insert(out.end(), ids.begin(), ids.end());
    }
  }
  return out;
}

std::string completion_script(const std::string& shell) {
  if (shell == "bash") {
    return R"(# bash completion for secuctl (generated by `secuctl completion bash`)
_secuctl() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\n'
  local candidates
  candidates=$(secuctl __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null)
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
complete -o default -F _secuctl secuctl
)";
  }
  if (shell == "zsh") {
    return R"(#compdef secuctl
# zsh completion for secuctl (generated by `secuctl completion zsh`)
_secuctl() {
  local -a candidates
  candidates=("${(@f)$(secuctl __complete "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
if [[ "$funcstack[1]" = "_secuctl" ]]; then _secuctl "$@"; else compdef _secuctl secuctl; fi
)";
  }
  if (shell == "fish") {
    return R"(# fish completion for secuctl (generated by `secuctl completion fish`)
function __secuctl_complete
  set -l tokens (commandline -opc)
  secuctl __complete $tokens[2..-1] (commandline -ct) 2>/dev/null
end
complete -c secuctl -f -a '(__secuctl_complete)'
)";
  }
  return {};
}

namespace {
std::string roff_escape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if ((c == '.' || c == '\'') && (i == 0 || s[i - 1] == '\n')) {
      out += "\\&";
      out.push_back(c);
    } else {
      out.push_back(c);
    }
  }
  // UTF-8 ellipsis and dashes render as escapes groff knows.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"…", "\\[u2026]"}, {"—", "\\[em]"}, {"→", "\\[->]"}}) {
    for (size_t p = out.find(from); p != std::string::npos; p = out.find(from, p + to.size()))
      out.replace(p, from.size(), to);
  }
  return out;
}

std::string option_synopsis(const CLI::Option* o) {
  std::string names;
  for (const auto& s : o->get_snames())
    names += (names.empty() ? "" : ", ") + ("\\-" + s);
  for (const auto& l : o->get_lnames())
    names += (names.empty() ? "" : ", ") + ("\\-\\-" + roff_escape(l));
  if (o->get_items_expected_max() > 0) names += " " + roff_escape(o->get_type_name());
  return names;
}

void command_section(CLI::App* a, const std::string& path, std::string& out) {
  for (auto* s : visible_subcommands(a)) {
    const std::string full = path.empty() ? s->get_name() : path + " " + s->get_name();
    std::string args;
    for (const auto* o : s->get_options())
      if (o->get_positional() && !o->nonpositional()) args += " " + roff_escape(o->get_name(true));
    out += ".TP\n.B secuctl " + roff_escape(full) + "\n";
    if (!args.empty()) out += ".RI \"" + args + "\"\n";
    std::string desc = s->get_description();
    out += roff_escape(desc.substr(0, desc.find('\n'))) + "\n";
    std::vector<const CLI::Option*> flags;
    for (const auto* o : s->get_options())
      if (o->nonpositional() && o->get_lnames().size() && o->get_lnames()[0] != "help")
        flags.push_back(o);
    if (!flags.empty()) {
      out += ".RS\n";
      for (const auto* o : flags)
        out += ".TP\n.B " + option_synopsis(o) + "\n" + roff_escape(o->get_description()) + "\n";
      out += ".RE\n";
    }
    command_section(s, full, out);
  }
}
}  // namespace

std::string man_page(CLI::App& root) {
  std::string out;
  out += ".TH SECUCTL 1 \"\" \"secuctl\" \"Secu manual\"\n";
  out +=
      ".SH NAME\nsecuctl \\- administer Secu: agents, policies, vendors, keys, approvals, audit, "
      "billing\n";
  out += ".SH SYNOPSIS\n.B secuctl\n[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIargs\\fR]\n";
  out += ".SH DESCRIPTION\n" + roff_escape(root.get_description()) + "\n";
  out += ".SH GLOBAL OPTIONS\n";
  for (const auto* o : root.get_options()) {
    if (!o->nonpositional() || (o->get_lnames().size() && o->get_lnames()[0] == "help")) continue;
    out += ".TP\n.B " + option_synopsis(o) + "\n" + roff_escape(o->get_description()) + "\n";
  }
  out += ".SH COMMANDS\n";
  command_section(&root, "", out);
  out += R"(.SH ENVIRONMENT
.TP
.B SECU_ADDR
secud address (\-\-addr wins over it).
.TP
.B SECU_ADMIN_TOKEN
platform admin token (\-\-admin\-token wins over it).
.TP
.B SECU_TOKEN
console session token (\-\-token wins over it).
.TP
.B SECU_DATA_DIR
secud data directory whose admin.token is used when no other credential is given.
.TP
.B SECU_CONTEXT
stored context to use.
.TP
.B XDG_CONFIG_HOME
secuctl keeps contexts and the login session in $XDG_CONFIG_HOME/secu/config.json (mode 0600).
.SH EXIT STATUS
.TP
.B 0
success
.TP
.B 1
error (including a tampered audit log for \fBaudit verify\fR)
.TP
.B 2
usage error
.TP
.B 3
authentication or permission denied (HTTP 401/403)
.TP
.B 4
not found
.TP
.B 5
conflict
.TP
.B 6
secud unreachable
.SH EXAMPLES
.nf
AGENT=$(secuctl \-q agents create \-\-name bot \-\-daily\-budget 5)
POLICY=$(secuctl \-q policies create \-\-name reads \-\-allow 'GET *')
secuctl agents update "$AGENT" \-\-attach\-policy "$POLICY"
VENDOR=$(secuctl \-q vendors create \-\-name api \-\-base\-url https://api.example.com \-\-api\-key\-file key.txt)
KEY=$(secuctl \-q keys create \-\-agent "$AGENT" \-\-vendor "$VENDOR")
secuctl kill\-switch "$AGENT"
.fi
.SH SEE ALSO
.BR secud (8)
)";
  return out;
}

int run_complete(CLI::App& root, Deps& d, const std::vector<std::string>& args) {
  std::vector<std::string> words = args;
  const std::string partial = words.empty() ? std::string() : words.back();
  if (!words.empty()) words.pop_back();
  for (const auto& c : complete(root, d, words, partial))
    *d.out << c << "\n";
  return kExitOk;
}

void add_completion_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto shell = std::make_shared<std::string>();
  auto* completion = app.add_subcommand("completion",
                                        "Print a shell completion script\n  secuctl completion "
                                        "bash > /etc/bash_completion.d/secuctl");
  completion->add_option("shell", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  completion->callback([shell, &d, &rs] {
    rs.run = [shell, &d] {
      *d.out << completion_script(*shell);
      return kExitOk;
    };
  });

  // `__complete` is listed (hidden) so the tree knows the word, but main() handles it before
  // CLI11 parses: its arguments are a partial command line, flags included.
  app.add_subcommand("__complete", "")->group("")->allow_extras();

  auto* man = app.add_subcommand("__man", "");
  man->group("");
  man->callback([&app, &d, &rs] {
    rs.run = [&app, &d] {
      *d.out << man_page(app);
      return kExitOk;
    };
  });
}

}  // namespace secu::cli
