// secuctl gateway test: one request through the gateway exactly as an agent sends it.
#include <cstdlib>

#include "commands/render.hpp"
#include "secu/files.hpp"

namespace secu::cli {

namespace {

struct GatewayTestOptions {
  std::string key;  // --key, else SECU_AGENT_KEY
  std::string method;
  std::string path;
  std::string data;  // body: text, @FILE, or - for stdin
  std::string action;
  std::string cost;
  std::string approval_id;
  std::vector<std::string> headers;  // "Name: value"
};

int gateway_test_run(const GatewayTestOptions& o, Deps& d) {
  std::string key = o.key;
  if (key.empty()) {
    if (const char* e = std::getenv("SECU_AGENT_KEY"); e) key = e;
  }
  if (key.empty())
    return report_error(d, Error::invalid("pass --key sk_secu_… (or SECU_AGENT_KEY)"));
  std::string path = o.path;
  if (path.empty() || path[0] != '/') path = "/" + path;
  if (!path.starts_with("/v1/gateway/")) path = "/v1/gateway" + path;
  std::string body;
  if (o.data == "-") {
    body.assign(std::istreambuf_iterator<char>(*d.in), std::istreambuf_iterator<char>());
  } else if (!o.data.empty() && o.data[0] == '@') {
    auto text = files::read_all(o.data.substr(1));
    if (!text.ok()) return report_error(d, text.error());
    body = std::move(text).value();
  } else {
    body = o.data;
  }
  ClientOptions co = d.client_options();
  co.bearer = key;  // the agent key, never the operator's credentials
  if (!o.action.empty()) co.extra_headers.emplace("X-Secu-Action", o.action);
  if (!o.cost.empty()) co.extra_headers.emplace("X-Secu-Cost-USD", o.cost);
  if (!o.approval_id.empty()) co.extra_headers.emplace("X-Secu-Approval-Id", o.approval_id);
  for (const auto& h : o.headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return report_error(d, Error::invalid("-H takes \"Name: value\""));
    }
    auto value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.erase(0, 1);
    co.extra_headers.emplace(h.substr(0, colon), value);
  }
  std::string method = o.method;
  for (auto& c : method)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Client client(co);
  auto r = client.call(method, path, body);
  if (!r.ok()) return report_error(d, r.error());
  // The status line, the metering headers, then the body as the vendor (or secud) sent it.
  if (d.format() == OutputFormat::kJson) {
    nlohmann::json out = {{"status", r->status}};
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    out["body"] = j.is_discarded() ? nlohmann::json(r->body) : j;
    for (const char* h : {"X-Request-Id", "X-Secu-Event-Id", "X-Secu-Approval-Id"}) {
      auto it = r->headers.find(h);
      if (it != r->headers.end()) out["headers"][h] = it->second;
    }
    *d.out << out.dump() << "\n";
  } else {
    *d.out << "HTTP " << r->status << "\n";
    for (const char* h : {"X-Request-Id", "X-Secu-Event-Id", "X-Secu-Approval-Id"}) {
      auto it = r->headers.find(h);
      if (it != r->headers.end()) *d.out << h << ": " << it->second << "\n";
    }
    *d.out << "\n" << r->body;
    if (!r->body.empty() && r->body.back() != '\n') *d.out << "\n";
  }
  if (r->status == 202) return kExitOk;  // pending approval: not an error, the body says what
  return r->ok() ? kExitOk : exit_code_for_status(r->status);
}

}  // namespace

void add_gateway_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* gateway = app.add_subcommand("gateway", "Try the agent gateway");
  gateway->require_subcommand(1);
  auto o = std::make_shared<GatewayTestOptions>();
  auto* test = gateway->add_subcommand(
      "test",
      "Send one request through the gateway with an agent key, print status and body\n"
      "  secuctl gateway test --key $KEY GET /v1/charges --cost 0.02");
  test->add_option("--key", o->key, "the agent key sk_secu_… (env SECU_AGENT_KEY)");
  test->add_option("method", o->method, "HTTP method")->required();
  test->add_option("path", o->path, "vendor path (/v1/gateway is added), with query if any")
      ->required();
  test->add_option("-d,--data", o->data, "request body: text, @FILE, or - for stdin");
  test->add_option("--action", o->action, "X-Secu-Action: the action to declare");
  test->add_option("--cost", o->cost, "X-Secu-Cost-USD: the cost to authorise, USD");
  test->add_option("--approval-id", o->approval_id, "X-Secu-Approval-Id: retry after approval");
  test->add_option("-H,--header", o->headers, "extra header \"Name: value\" (repeatable)");
  calls(test,
        {"GET /v1/gateway/{path...}", "POST /v1/gateway/{path...}", "PUT /v1/gateway/{path...}",
         "PATCH /v1/gateway/{path...}", "DELETE /v1/gateway/{path...}"});
  test->callback([o, &d, &rs] { rs.run = [o, &d] { return gateway_test_run(*o, d); }; });
}

}  // namespace secu::cli
