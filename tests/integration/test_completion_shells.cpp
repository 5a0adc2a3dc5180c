// The committed completion scripts in the shells that load them, against a running secud:
//  - bash with bash-completion: the function `complete -p secuctl` names is called with
//    COMP_WORDS/COMP_CWORD as readline would set them;
//  - fish: `complete --do-complete`, fish's own completion engine;
//  - zsh: an interactive zsh -f in tmux with compinit, typing TAB (zsh's completion system
//    needs the line editor, which only runs on a terminal).
// Each checks that `secuctl ag` completes to `agents` and `secuctl agents get ` offers the id
// of the server's agent. A shell that is not installed fails the test (packaging/install-deps).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/api.hpp"
#include "support/fixture.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  const int st = ::pclose(p);
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

// A file of the source tree. This file is tests/integration/<name>.cpp; with ccache's base_dir
// __FILE__ is relative to the build dir, so resolve it there (as support/peers.cpp does).
std::string source(const std::string& rel) {
  std::filesystem::path root =
      std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  if (root.is_relative())
    root = std::filesystem::path(SECUD_PATH).parent_path().parent_path() / root;
  return (root / rel).lexically_normal().string();
}

std::string bin_dir() {
  const std::string p = SECUCTL_PATH;
  return p.substr(0, p.rfind('/'));
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// secuctl on PATH (the scripts call it by name) and secud's address and admin token.
std::string env_prefix(const Secud& s) {
  return "env PATH='" + bin_dir() + ":/usr/bin:/bin' SECU_ADDR='" + s.url() + "' SECU_DATA_DIR='" +
         s.data_dir() + "' HOME=/nonexistent ";
}

struct Server {
  Secud s;
  std::string agent;
  Server() {
    const auto org = make_org(s, "completion");
    agent = created_id(
        admin(s, "POST", "/v1/agents", json{{"org_id", org}, {"name", "completer"}}.dump()));
  }
};

bool has_line(const std::string& text, const std::string& want) {
  return ("\n" + text + "\n").find("\n" + want + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("bash with bash-completion completes commands and live agent ids",
          "[completion][shells]") {
  REQUIRE(access("/usr/share/bash-completion/bash_completion", R_OK) == 0);
  Server srv;
  TempDir tmp;
  const std::string script = tmp.path() + "/complete.bash";
  // $1.. = the words of the line; the last is the word being completed.
  write_file(script, R"(source /usr/share/bash-completion/bash_completion
source ")" + source("completions/secuctl.bash") +
                         R"("
spec=$(complete -p secuctl) || exit 3
fn=${spec#*-F }; fn=${fn%% *}
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$fn" secuctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
)");
  const auto bash = env_prefix(srv.s) + "bash --norc --noprofile " + script + " ";
  int st = 0;
  auto sub = run(bash + "secuctl ag", &st);
  INFO(sub);
  REQUIRE(st == 0);
  CHECK(has_line(sub, "agents"));
  auto ids = run(bash + "secuctl agents get ''", &st);
  INFO(ids);
  REQUIRE(st == 0);
  CHECK(has_line(ids, srv.agent));
  // A prefix narrows the ids to the matching ones.
  auto narrowed = run(bash + "secuctl agents get " + srv.agent.substr(0, 6), &st);
  CHECK(has_line(narrowed, srv.agent));
}

TEST_CASE("fish completes commands and live agent ids", "[completion][shells]") {
  REQUIRE(run("command -v fish").size() > 0);
  Server srv;
  const auto fish = env_prefix(srv.s) + "fish --no-config -c 'source " +
                    source("completions/secuctl.fish") + "; complete --do-complete=\"$argv\"' ";
  // fish prints "candidate<TAB>description"; keep the candidate.
  auto sub = run(fish + "'secuctl ag' | cut -f1");
  INFO(sub);
  CHECK(has_line(sub, "agents"));
  auto ids = run(fish + "'secuctl agents get ' | cut -f1");
  INFO(ids);
  CHECK(has_line(ids, srv.agent));
}

TEST_CASE("zsh (compinit, in tmux) completes commands and live agent ids", "[completion][shells]") {
  REQUIRE(run("command -v zsh").size() > 0);
  REQUIRE(run("command -v tmux").size() > 0);
  Server srv;
  TempDir tmp;
  // fpath holds a copy of completions/_secuctl, as an installed package has it.
  run("mkdir -p " + tmp.path() + "/fpath && cp " + source("completions/_secuctl") + " " +
      tmp.path() + "/fpath/");
  write_file(tmp.path() + "/.zshrc", "fpath=(" + tmp.path() +
                                         "/fpath $fpath)\n"
                                         "autoload -Uz compinit && compinit -u -d " +
                                         tmp.path() +
                                         "/.zcompdump\n"
                                         "PROMPT='zsh-ready> '\n");
  const std::string sock = tmp.path() + "/tmux.sock";
  const std::string tmux = "tmux -S " + sock + " ";
  const std::string session = "secu-complete";
  int st = 0;
  run(tmux + "new-session -d -s " + session + " -x 200 -y 50 \"" + env_prefix(srv.s) +
          "ZDOTDIR=" + tmp.path() + " zsh -i\"",
      &st);
  REQUIRE(st == 0);
  std::string last_screen;
  auto screen_has = [&](const std::string& want) {
    for (int i = 0; i < 50; ++i) {
      last_screen = run(tmux + "capture-pane -p -t " + session + " 2>&1");
      if (last_screen.find(want) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  const bool prompt = screen_has("zsh-ready>");
  INFO(last_screen);
  REQUIRE(prompt);
  run(tmux + "send-keys -t " + session + " 'secuctl ag' Tab");
  const bool sub = screen_has("secuctl agents");
  CHECK(sub);
  run(tmux + "send-keys -t " + session + " C-u 'secuctl agents get ' Tab");
  const bool id = screen_has(srv.agent);
  CHECK(id);
  run(tmux + "kill-server");
}
