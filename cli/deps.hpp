// What every secuctl command gets (model: gh's cmdutil.Factory): global options, streams with
// their TTY flags, and a client maker. Commands parse into an Options struct, then a run
// function takes (Options, Deps&) and returns an exit code; parse tests inject a capturing run.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "client.hpp"
#include "secu/result.hpp"

namespace secu::cli {

enum class OutputFormat { kTable, kJson, kCsv };

// Exit codes (DESIGN.md).
constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitAuth = 3;
constexpr int kExitNotFound = 4;
constexpr int kExitConflict = 5;
constexpr int kExitUnreachable = 6;

struct GlobalOptions {
  std::string addr;         // --addr / SECU_ADDR / context / http://127.0.0.1:8787
  std::string admin_token;  // --admin-token / SECU_ADMIN_TOKEN
  std::string token;        // --token / SECU_TOKEN
  std::string data_dir;     // --data-dir / SECU_DATA_DIR: where admin.token is read from
  std::string context;      // --context / SECU_CONTEXT
  std::string output = "table";
  bool quiet = false;  // -q: ids only
  bool no_headers = false;
  std::string ca_file;         // --ca-file / SECU_CA_FILE / context: the CA of secud's certificate
  bool insecure = false;       // --insecure only: never from env or a context
  std::string color = "auto";  // --color: auto (a TTY without NO_COLOR), always, never
  bool dry_run = false;        // --dry-run of a create command: secud validates, stores nothing
};

// Where client() took its credential from: a command that replaces the credential (admin
// rotate-admin-token) tells the operator, or updates the file, accordingly.
struct CredentialSource {
  enum class Kind { kNone, kBearerFlag, kAdminTokenValue, kStoredLogin, kAdminTokenFile };
  Kind kind = Kind::kNone;
  std::string file;  // kAdminTokenFile: the file it was read from
};

struct Deps {
  GlobalOptions global;
  // Set by client(): where the credential of the last client came from.
  CredentialSource last_credential;
  std::ostream* out;
  std::ostream* err;
  std::istream* in;
  bool stdout_tty = false;
  bool stdin_tty = false;
  bool stderr_tty = false;

  OutputFormat format() const;
  // Whether stdout / stderr get ANSI colour: --color, then NO_COLOR and TERM=dumb, then TTY.
  bool color_out() const;
  bool color_err() const;
  // A client with the credentials resolved from flags, env, stored login and admin.token.
  Result<std::unique_ptr<Client>> client();
  // A client that acts as an agent: the key of --key (`key`), else SECU_AGENT_KEY; never the
  // operator's credentials.
  Result<std::unique_ptr<Client>> agent_client(const std::string& key);
  // Same, but without any credentials (public endpoints).
  std::unique_ptr<Client> anonymous_client();
  // The address after flag > env > context > default.
  std::string addr() const;
  // The CA file after flag > env > the context's (when the address is the context's too);
  // empty: the system's CAs.
  std::string ca_file() const;
  // What every client starts from: address, CA file, --insecure (no credentials). The first
  // call with --insecure on an https:// address prints a one-line warning on stderr.
  ClientOptions client_options();

  bool warned_insecure = false;
};

// Prints an error line ("secuctl: <message> (code <code>, request <id>)") and returns the exit
// code for it. `status` is the HTTP status when the error came from secud, 0 otherwise.
int report_error(Deps& d, const Error& e, int status = 0, const std::string& request_id = {});
// The exit code and error line for a non-2xx reply.
int report_reply_error(Deps& d, const Reply& r);

}  // namespace secu::cli
