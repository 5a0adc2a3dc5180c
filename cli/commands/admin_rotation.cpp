// secuctl admin rotate-admin-token | rotate-jwt-key (platform admin).
//
// rotate-admin-token prints the new token once (with -q: only the token, for
// TOKEN=$(secuctl -q admin rotate-admin-token)). The token this secuctl authenticated with is
// dead from the next request on, so where it came from matters: a token file (the context's
// --admin-token-file, or <data-dir>/admin.token) is rewritten with the new token (secud already
// rewrites its own admin.token when it runs on this machine); a token given by --admin-token or
// SECU_ADMIN_TOKEN cannot be updated from here, so the operator is told to replace it.
#include <nlohmann/json.hpp>

#include "commands/render.hpp"
#include "secu/files.hpp"

namespace secu::cli {

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}

// Tells the operator (stderr) what became of the credential secuctl used.
void update_stored_credential(Deps& d, const std::string& token) {
  using Kind = CredentialSource::Kind;
  const auto& src = d.last_credential;
  if (src.kind == Kind::kAdminTokenFile) {
    auto current = files::read_all(src.file);
    if (current.ok() && trimmed(*current) == token) {
      *d.err << "secuctl: " << src.file << " already holds the new token\n";
      return;
    }
    if (files::write_atomic(src.file, token + "\n", 0600).ok()) {
      *d.err << "secuctl: updated " << src.file << " with the new token\n";
    } else {
      *d.err << "secuctl: could not update " << src.file
             << ": replace its content with the new token (mode 0600)\n";
    }
  } else if (src.kind == Kind::kAdminTokenValue) {
    *d.err << "secuctl: the token of --admin-token / SECU_ADMIN_TOKEN no longer works: "
              "replace it with the new one\n";
  }
}

int rotate_admin_token_run(Deps& d) {
  auto r = call(d, "POST", "/v1/admin/rotate-admin-token", "{}");
  if (!r.ok()) return r.exit_code;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("admin_token") || !j["admin_token"].is_string())
    return report_error(d, Error::internal("secud answered without a token"));
  const std::string token = j["admin_token"].get<std::string>();
  if (d.global.quiet) {
    *d.out << token << "\n";
  } else if (d.format() == OutputFormat::kTable) {
    *d.out << "New admin token (shown once; the old one no longer works):\n  " << token << "\n";
  } else {
    print_object(d, j, {{"ADMIN TOKEN", "admin_token"}, {"ROTATED", "rotated_at"}});
  }
  update_stored_credential(d, token);
  return kExitOk;
}

const std::vector<Column> kJwtColumns = {{"KID", "kid"},
                                         {"RETIRED", "retired_kid"},
                                         {"OLD TOKENS VALID UNTIL", "retired_tokens_valid_until"}};

}  // namespace

void add_admin_rotation_commands(CLI::App& app, Deps& d, RunState& rs) {
  // `admin` may be made by another command file too (first one wins; both add to it).
  CLI::App* admin = nullptr;
  for (auto* sc : app.get_subcommands({}))
    if (sc->get_name() == "admin") admin = sc;
  if (!admin) {
    admin = app.add_subcommand("admin", "Platform administration (admin token)");
    admin->require_subcommand(1);
  }

  auto* rat = admin->add_subcommand(
      "rotate-admin-token",
      "Make a new admin token (shown once; with -q only the token); the old one stops working\n"
      "  secuctl admin rotate-admin-token");
  calls(rat, {"POST /v1/admin/rotate-admin-token"});
  rat->callback([&d, &rs] { rs.run = [&d] { return rotate_admin_token_run(d); }; });

  auto* rjk = admin->add_subcommand(
      "rotate-jwt-key",
      "Make a new signing key for console sessions; sessions signed by the old key stay valid "
      "until they expire");
  calls(rjk, {"POST /v1/admin/rotate-jwt-key"});
  rjk->callback([&d, &rs] {
    rs.run = [&d] {
      return call_and_print(d, "POST", "/v1/admin/rotate-jwt-key", nlohmann::json::object(),
                            kJwtColumns, "kid");
    };
  });
}

}  // namespace secu::cli
