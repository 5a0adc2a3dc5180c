// secud: the Secu daemon. `secud [serve]` runs the HTTP control plane and gateway;
// `secud routes` prints the route table; `secud version`.
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <thread>

#include "gateway/runtime.hpp"
#include "secu/audit/log.hpp"
#include "secu/backup.hpp"
#include "secu/crypto.hpp"
#include "secu/files.hpp"
#include "secu/log.hpp"
#include "server/app.hpp"
#include "server/config.hpp"
#include "server/manpage.hpp"
#include "server/notify.hpp"
#include "server/routes.hpp"
#include "server/server.hpp"
#include "server/tls.hpp"

#ifndef SECU_VERSION
#define SECU_VERSION "0.0.0"
#endif

using namespace secu;
using namespace secu::daemon;

namespace {

log::Level level_of(const std::string& s) {
  if (s == "debug") return log::Level::kDebug;
  if (s == "warn") return log::Level::kWarn;
  if (s == "error") return log::Level::kError;
  return log::Level::kInfo;
}

int fail(const Error& e) {
  std::fprintf(stderr, "secud: %s\n", e.message.c_str());
  return e.kind == ErrorKind::kInvalid ? 2 : 1;
}

void print_routes(const RouteTable& t) {
  std::printf("%-7s %-44s %-15s %s\n", "METHOD", "PATH", "ACCESS", "SUMMARY");
  for (const auto& r : t.routes()) {
    std::printf("%-7s %-44s %-15s %s\n", r.method.c_str(), r.path.c_str(), access_name(r.access),
                r.summary.c_str());
  }
}

int serve(const FlagValues& flags) {
  auto cfg = load_config(flags);
  if (!cfg.ok()) return fail(cfg.error());
  log::set_min_level(level_of(cfg->log_level));
  auto config = std::make_shared<const Config>(std::move(cfg).value());
  if (!config->tls_cert.empty()) {
    if (auto st = check_tls_files(config->tls_cert, config->tls_key); !st.ok())
      return fail(st.error());
  }

  auto app = bootstrap(config);
  if (!app.ok()) return fail(app.error());
  // Signs audit checkpoints while the tree grows; stopped before the store closes.
  audit::Checkpointer checkpointer((*app)->store(), (*app)->secrets().signing_key);
  if (auto st = checkpointer.start(); !st.ok()) return fail(st.error());
  Server server(**app, build_route_table());
  if (auto st = server.bind(); !st.ok()) return fail(st.error());

  const std::string where = config->host() + ":" + std::to_string(server.port());
  if (!config->port_file.empty()) {
    if (auto st =
            files::write_atomic(config->port_file, std::to_string(server.port()) + "\n", 0644);
        !st.ok())
      return fail(st.error());
  }
  // The gateway: settles what a crash left open, then runs its settler and approval sweep.
  (*app)->gateway = std::make_shared<gateway::Runtime>(**app);
  if (auto st = (*app)->gateway->start(); !st.ok()) {
    (*app)->gateway->stop();
    return fail(st.error());
  }
  std::printf("listening on %s\n", where.c_str());
  std::fflush(stdout);
  // Database, migrations, keys and listener are ready: tell systemd (Type=notify).
  sd_notify("READY=1\nSTATUS=serving on " + where);
  log::info("listening",
            {{"addr", where},
             {"data_dir", config->data_dir},
             {"schema_version", static_cast<int64_t>((*app)->store().schema_version())}});

  // Signals are handled on one thread with sigtimedwait (they were blocked in main before any
  // thread started, so no other thread receives them).
  std::atomic<bool> done{false};
  std::thread signals([&] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    const timespec tick{0, 200 * 1000 * 1000};
    while (!done) {
      const int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig == SIGTERM || sig == SIGINT) {
        log::info("draining", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
        sd_notify("STOPPING=1");
        (*app)->draining = true;
        server.stop();
        return;
      }
      if (sig == SIGHUP) {
        // A bad file keeps the running config and says why.
        sd_notify("RELOADING=1");
        auto next = load_config(flags);
        if (!next.ok()) {
          log::error("reload failed; keeping the running config",
                     {{"reason", next.error().message}});
        } else {
          log::set_min_level(level_of(next->log_level));
          (*app)->replace_config(std::make_shared<const Config>(std::move(next).value()));
          log::info("config reloaded");
        }
        sd_notify("READY=1");
      }
    }
  });

  server.serve();  // returns once stopped and in-flight requests are done
  done = true;
  signals.join();
  (*app)->gateway->stop();  // after the server: drains the settlements of finished streams
  checkpointer.stop();
  (*app)->store().close();
  log::info("stopped");
  return 0;
}

// secud verify-backup FILE: the backup opens as a Secu database and its audit log verifies with
// the signing.key of --data-dir (the key files it is to be restored with). Exit 0 ok, 1 not.
int verify_backup(const FlagValues& flags, const std::string& file) {
  auto cfg = load_config(flags);
  if (!cfg.ok()) return fail(cfg.error());
  log::set_min_level(log::Level::kWarn);  // the copy's migrations are not news here
  const std::string key_path = cfg->data_dir + "/signing.key";
  if (!files::exists(key_path)) {
    return fail(Error::invalid(key_path +
                               " does not exist: pass --data-dir of the key files the backup is "
                               "to be restored with"));
  }
  auto text = files::read_all(key_path);
  if (!text.ok()) return fail(text.error());
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r'))
    text->pop_back();
  auto seed = crypto::base64url_decode(*text);
  if (!seed.ok() || seed->size() != 32) return fail(Error::invalid(key_path + " holds no key"));
  auto key = crypto::signing_key_from_seed(*seed);
  if (!key.ok()) return fail(key.error());
  auto r = backup::verify_file(file, *key);
  if (!r.ok()) {
    std::fprintf(stderr, "secud: %s\n", r.error().message.c_str());
    return 1;
  }
  const auto& a = r->audit;
  if (!a.ok) {
    std::printf("BROKEN: %s: audit log fails at seq %lld (%s)%s\n", file.c_str(),
                static_cast<long long>(a.first_bad_seq), a.reason.c_str(),
                a.reason == "checkpoint_signature" ? "; is signing.key the backup's?" : "");
    return 1;
  }
  std::printf(
      "ok: %s: schema %d, %lld audit entries intact (chain, tree and %lld checkpoints, "
      "signed by %s)\n",
      file.c_str(), r->schema_version, static_cast<long long>(a.entries),
      static_cast<long long>(a.checkpoints_checked), key_path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the signals we handle before any thread exists, so every thread inherits the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Everything secud creates (database, WAL, keys, tokens) is private to its user.
  ::umask(077);

  if (!crypto::init().ok()) {
    std::fprintf(stderr, "secud: libsodium failed to initialise\n");
    return 1;
  }

  CLI::App cli{"secud: the Secu daemon (control plane and agent gateway)", "secud"};
  cli.set_version_flag("--version", SECU_VERSION);
  FlagValues flags;
  std::map<std::string, std::string> values;
  std::vector<CLI::Option*> opts;
  std::string config_file;
  auto* config_opt = cli.add_option("--config", config_file, "JSON config file (env SECU_CONFIG)");
  for (const auto& o : option_specs()) {
    auto* opt = cli.add_option("--" + flag_name(o), values[o.name],
                               std::string(o.help) + " (env " + env_name(o) + ")");
    opt->type_name(o.type == OptionType::kInt    ? "INT"
                   : o.type == OptionType::kBool ? "BOOL"
                                                 : "TEXT");
    opts.push_back(opt);
  }
  auto* serve_cmd = cli.add_subcommand("serve", "Serve the control plane and gateway (default)");
  serve_cmd->fallthrough();
  auto* routes_cmd = cli.add_subcommand("routes", "Print the route table: method, path, access");
  auto* version_cmd = cli.add_subcommand("version", "Print the version");
  std::string backup_file;
  auto* verify_cmd = cli.add_subcommand(
      "verify-backup",
      "Check a backup offline: it opens, and its audit log verifies with --data-dir's signing.key");
  verify_cmd->add_option("file", backup_file, "the backup (secuctl admin backup --out FILE)")
      ->required();
  verify_cmd->fallthrough();
  auto* man_cmd = cli.add_subcommand("__man", "");  // hidden: prints secud.8
  man_cmd->group("");
  cli.require_subcommand(0, 1);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return 2;  // DESIGN.md: usage errors exit 2
  }
  if (version_cmd->parsed()) {
    std::printf("secud %s\n", SECU_VERSION);
    return 0;
  }
  if (man_cmd->parsed()) {
    std::fputs(man_page().c_str(), stdout);
    return 0;
  }
  if (routes_cmd->parsed()) {
    print_routes(build_route_table());
    return 0;
  }
  if (config_opt->count() > 0) flags["config"] = config_file;
  size_t i = 0;
  for (const auto& o : option_specs()) {
    if (opts[i++]->count() > 0) flags[o.name] = values[o.name];
  }
  if (verify_cmd->parsed()) return verify_backup(flags, backup_file);
  return serve(flags);
}
