#include "deps.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <ostream>

#include "config.hpp"
#include "secu/files.hpp"

namespace secu::cli {

namespace {
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}
}  // namespace

OutputFormat Deps::format() const {
  if (global.output == "json") return OutputFormat::kJson;
  if (global.output == "csv") return OutputFormat::kCsv;
  return OutputFormat::kTable;
}

namespace {
// NO_COLOR (no-color.org) and TERM=dumb turn colour off unless --color=always.
bool color_for(const std::string& mode, bool tty) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string(term) == "dumb") return false;
  return tty;
}
}  // namespace

bool Deps::color_out() const {
  return color_for(global.color, stdout_tty);
}
bool Deps::color_err() const {
  return color_for(global.color, stderr_tty);
}

std::string Deps::addr() const {
  // Precedence: flag, then env (main() put both into global.addr), then context, then default.
  if (!global.addr.empty()) return global.addr;
  auto cfg = load_cli_config();
  if (cfg.ok()) {
    const std::string name = global.context.empty() ? cfg->current : global.context;
    if (auto it = cfg->contexts.find(name); it != cfg->contexts.end() && !it->second.addr.empty())
      return it->second.addr;
  }
  return "http://127.0.0.1:8787";
}

std::string Deps::ca_file() const {
  if (!global.ca_file.empty()) return global.ca_file;
  // A context's CA belongs to the context's address (like a kubeconfig cluster's
  // certificate-authority): another address from --addr/SECU_ADDR uses the system's CAs.
  if (!global.addr.empty()) return {};
  auto cfg = load_cli_config();
  if (cfg.ok()) {
    const std::string name = global.context.empty() ? cfg->current : global.context;
    if (auto it = cfg->contexts.find(name); it != cfg->contexts.end()) return it->second.ca_file;
  }
  return {};
}

ClientOptions Deps::client_options() {
  ClientOptions o;
  o.addr = addr();
  o.ca_file = ca_file();
  o.insecure = global.insecure;
  if (o.insecure && !warned_insecure && o.addr.rfind("https://", 0) == 0) {
    *err << "secuctl: warning: --insecure: secud's TLS certificate is not verified\n";
    warned_insecure = true;
  }
  return o;
}

std::unique_ptr<Client> Deps::anonymous_client() {
  return std::make_unique<Client>(client_options());
}

Result<std::unique_ptr<Client>> Deps::agent_client(const std::string& key) {
  ClientOptions o = client_options();
  o.bearer = key;
  if (o.bearer.empty()) {
    if (const char* e = std::getenv("SECU_AGENT_KEY"); e) o.bearer = e;
  }
  if (o.bearer.empty()) return Error::invalid("pass --key sk_secu_… (or SECU_AGENT_KEY)", "key");
  return std::make_unique<Client>(o);
}

Result<std::unique_ptr<Client>> Deps::client() {
  ClientOptions o = client_options();
  // Credentials, highest first: --token/SECU_TOKEN, --admin-token/SECU_ADMIN_TOKEN (main() folds
  // flag over env), the context's stored login token, the context's admin token file, then the
  // admin.token of --data-dir/SECU_DATA_DIR. After `secuctl logout` the implicit admin token is
  // not used until the next login, so a logged-out shell is not silently an admin.
  using Kind = CredentialSource::Kind;
  last_credential = {};
  if (!global.token.empty()) {
    o.bearer = global.token;
    last_credential.kind = Kind::kBearerFlag;
  } else if (!global.admin_token.empty()) {
    o.admin_token = global.admin_token;
    last_credential.kind = Kind::kAdminTokenValue;
  } else {
    SECU_TRY(auto cfg, load_cli_config());
    const std::string name = global.context.empty() ? cfg.current : global.context;
    Context ctx;
    if (auto it = cfg.contexts.find(name); it != cfg.contexts.end()) ctx = it->second;
    if (!ctx.token.empty()) {
      o.bearer = ctx.token;
      last_credential.kind = Kind::kStoredLogin;
    } else if (!ctx.logged_out) {
      std::string file = ctx.admin_token_file;
      if (file.empty() && !global.data_dir.empty()) file = global.data_dir + "/admin.token";
      if (!file.empty() && files::exists(file)) {
        // Like ssh with a private key: a credential others can read is refused, not used.
        SECU_TRY(unsigned mode, files::mode_of(file));
        if (mode & 077) {
          return Error::make(ErrorKind::kInvalid, "insecure_credentials",
                             file + " is readable by others; run: chmod 600 " + file);
        }
        SECU_TRY(auto text, files::read_all(file));
        o.admin_token = trim(text);
        last_credential = {Kind::kAdminTokenFile, file};
      }
    }
  }
  return std::make_unique<Client>(o);
}

int report_error(Deps& d, const Error& e, int status, const std::string& request_id) {
  std::string line = (d.color_err() ? "\x1b[31msecuctl:\x1b[0m " : "secuctl: ") + e.message;
  if (!e.code.empty()) line += " (" + e.code;
  if (!e.field.empty()) line += ", field " + e.field;
  if (!request_id.empty()) line += ", request " + request_id;
  if (!e.code.empty()) line += ")";
  *d.err << line << "\n";
  // Transport and TLS failures (client.hpp) exit 6 whatever their kind.
  if (e.code == "unreachable" || e.code == "tls_verify_failed" || e.code == "tls_failed" ||
      e.code == "transfer_cut_off")
    return kExitUnreachable;
  if (status) return exit_code_for_status(status);
  switch (e.kind) {
    case ErrorKind::kInvalid:
      return kExitUsage;
    case ErrorKind::kUnauthenticated:
    case ErrorKind::kForbidden:
      return kExitAuth;
    case ErrorKind::kNotFound:
      return kExitNotFound;
    case ErrorKind::kConflict:
      return kExitConflict;
    default:
      return kExitError;
  }
}

int report_reply_error(Deps& d, const Reply& r) {
  Error e = Error::make(ErrorKind::kInternal, "http_" + std::to_string(r.status),
                        "secud answered HTTP " + std::to_string(r.status));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& err = j["error"];
    e.code = err.value("code", e.code);
    e.message = err.value("message", e.message);
    e.field = err.value("field", std::string());
  }
  return report_error(d, e, r.status, r.request_id);
}

}  // namespace secu::cli
