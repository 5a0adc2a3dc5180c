// secuctl health | metrics | version | api: the foundation commands.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "output.hpp"
#include "secu/files.hpp"

#ifndef SECU_VERSION
#define SECU_VERSION "0.0.0"
#endif

namespace secu::cli {

CallResult call(Deps& d, const std::string& method, const std::string& path,
                const std::string& body, bool authenticated) {
  std::unique_ptr<Client> client;
  if (authenticated) {
    auto c = d.client();
    if (!c.ok()) return {report_error(d, c.error()), {}};
    client = std::move(c).value();
  } else {
    client = d.anonymous_client();
  }
  std::string target = path;
  if (d.global.dry_run && method == "POST")
    target += (path.find('?') == std::string::npos ? "?" : "&") + std::string("dry_run=true");
  auto r = client->call(method, target, body);
  if (!r.ok()) return {report_error(d, r.error()), {}};
  if (!r->ok()) return {report_reply_error(d, *r), {}};
  return {0, std::move(r->body)};
}

namespace {

// /healthz by default; --ready asks /readyz (storage writable, not draining: 503 otherwise),
// --live asks /livez (the process serves HTTP), as load balancers and systemd probes do.
int health_run(Deps& d, const std::string& probe) {
  auto r = call(d, "GET", probe, {}, /*authenticated=*/false);
  if (!r.ok()) return r.exit_code;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return report_error(d, Error::internal("secud answered a non-JSON body"));
  if (d.format() == OutputFormat::kTable && !d.global.quiet) {
    *d.out << j.value("status", std::string("unknown")) << "\n";
  } else {
    print_object(d, j, {{"STATUS", "status"}}, "status");
  }
  return kExitOk;
}

struct ApiOptions {
  std::string method;
  std::string path;
  std::string data;  // JSON text, @file, or - for stdin
};

int api_run(const ApiOptions& o, Deps& d) {
  std::string body;
  if (o.data == "-") {
    std::ostringstream ss;
    ss << d.in->rdbuf();
    body = ss.str();
  } else if (!o.data.empty() && o.data[0] == '@') {
    auto text = files::read_all(o.data.substr(1));
    if (!text.ok()) return report_error(d, text.error());
    body = std::move(text).value();
  } else {
    body = o.data;
  }
  std::string method = o.method;
  for (auto& c : method)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (o.path.empty() || o.path[0] != '/') {
    return report_error(d, Error::invalid("PATH must start with /, e.g. /v1/agents"));
  }
  auto client = d.client();
  if (!client.ok()) return report_error(d, client.error());
  auto r = (*client)->call(method, o.path, body);
  if (!r.ok()) return report_error(d, r.error());
  // Print the body whatever the status (like gh api), JSON re-indented on a TTY.
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->ok()) {
    if (!j.is_discarded() && !r->body.empty()) {
      *d.out << j.dump(d.stdout_tty ? 2 : -1) << "\n";
    } else if (!r->body.empty()) {
      *d.out << r->body;
      if (r->body.back() != '\n') *d.out << "\n";
    }
    return kExitOk;
  }
  return report_reply_error(d, *r);
}

}  // namespace

void add_core_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* health = app.add_subcommand("health", "Check that secud answers (GET /healthz)");
  auto probe = std::make_shared<std::string>("/healthz");
  health->add_flag_callback(
      "--ready", [probe] { *probe = "/readyz"; },
      "readiness: storage writable and not draining (GET /readyz)");
  health->add_flag_callback(
      "--live", [probe] { *probe = "/livez"; }, "liveness: the process serves HTTP (GET /livez)");
  calls(health, {"GET /healthz", "GET /livez", "GET /readyz"});
  health->callback([probe, &d, &rs] { rs.run = [probe, &d] { return health_run(d, *probe); }; });

  auto* metrics = app.add_subcommand(
      "metrics", "Print secud's Prometheus metrics (GET /metrics; needs the admin token)");
  calls(metrics, {"GET /metrics"});
  metrics->callback([&d, &rs] {
    rs.run = [&d] {
      // Prometheus text as secud wrote it: it has no table or JSON form, -o does not apply.
      auto r = call(d, "GET", "/metrics");
      if (!r.ok()) return r.exit_code;
      *d.out << r.body;
      return kExitOk;
    };
  });

  auto* version = app.add_subcommand("version", "Print secuctl's version");
  version->callback([&d, &rs] {
    rs.run = [&d] {
      if (d.format() == OutputFormat::kJson) {
        *d.out << nlohmann::json{{"version", SECU_VERSION}}.dump() << "\n";
      } else {
        *d.out << "secuctl " << SECU_VERSION << "\n";
      }
      return kExitOk;
    };
  });

  auto opts = std::make_shared<ApiOptions>();
  auto* api = app.add_subcommand("api",
                                 "Call any endpoint with the stored credentials (like gh api)\n"
                                 "  secuctl api GET /v1/agents\n"
                                 "  secuctl api POST /v1/agents -d '{\"name\":\"bot\"}'\n"
                                 "  secuctl api POST /v1/policies -d @policy.json");
  api->add_option("method", opts->method, "HTTP method")->required();
  api->add_option("path", opts->path, "path, with query string if any")->required();
  api->add_option("-d,--data", opts->data, "request body: JSON text, @FILE, or - for stdin");
  api->callback([opts, &d, &rs] { rs.run = [opts, &d] { return api_run(*opts, d); }; });
}

}  // namespace secu::cli
