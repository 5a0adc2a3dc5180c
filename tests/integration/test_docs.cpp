// completions/ and man/ are generated from the binaries' command trees (packaging/gen-docs.sh)
// and committed so packages and readers need no build: these tests fail when the committed
// files drift from what the built binaries print, and when a man page does not render cleanly
// with groff's warnings all on (-ww), as `man` would show it.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>

#include "support/fixture.hpp"

using namespace secu::test;

namespace {

struct Shell {
  int status = -1;
  std::string out;  // stdout and stderr together
};

Shell sh(const std::string& cmd) {
  Shell r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// A file of the source tree. This file is tests/integration/<name>.cpp; with ccache's base_dir
// __FILE__ is relative to the build dir, so resolve it there (as support/peers.cpp does).
std::string source_file(const std::string& rel) {
  std::filesystem::path root =
      std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  if (root.is_relative())
    root = std::filesystem::path(SECUD_PATH).parent_path().parent_path() / root;
  return (root / rel).lexically_normal().string();
}

}  // namespace

TEST_CASE("completions/ match `secuctl completion` (run packaging/gen-docs.sh)",
          "[docs][completion]") {
  const std::pair<const char*, const char*> files[] = {{"bash", "completions/secuctl.bash"},
                                                       {"zsh", "completions/_secuctl"},
                                                       {"fish", "completions/secuctl.fish"}};
  for (const auto& [shell, file] : files) {
    INFO(file << " drifted from `secuctl completion " << shell
              << "`: run packaging/gen-docs.sh and commit");
    auto r = secuctl({"completion", shell});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == slurp(source_file(file)));
  }
}

TEST_CASE("man/ matches the binaries' __man (run packaging/gen-docs.sh)", "[docs][man]") {
  {
    INFO("man/secuctl.1 drifted from `secuctl __man`: run packaging/gen-docs.sh and commit");
    auto r = secuctl({"__man"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == slurp(source_file("man/secuctl.1")));
  }
  {
    INFO("man/secud.8 drifted from `secud __man`: run packaging/gen-docs.sh and commit");
    auto r = sh(std::string(SECUD_PATH) + " __man");
    REQUIRE(r.status == 0);
    CHECK(r.out == slurp(source_file("man/secud.8")));
  }
}

TEST_CASE("man pages render without warnings (groff -man -ww, man -l)", "[docs][man]") {
  if (sh("command -v groff").status != 0) FAIL("groff is missing: run packaging/install-deps.sh");
  for (const char* page : {"man/secuctl.1", "man/secud.8"}) {
    INFO(page);
    // -ww: every warning; -z: format, print nothing but the diagnostics.
    auto g = sh("groff -man -ww -z -t " + source_file(page));
    INFO(g.out);
    CHECK(g.status == 0);
    CHECK(g.out.empty());
    // What a reader gets: man's own pipeline (preconv, tbl, nroff) at 80 columns.
    auto m = sh("MANWIDTH=80 MAN_KEEP_FORMATTING=0 man --warnings=w -l " + source_file(page) +
                " >/dev/null");
    INFO(m.out);
    CHECK(m.status == 0);
    CHECK(m.out.empty());
  }
}
