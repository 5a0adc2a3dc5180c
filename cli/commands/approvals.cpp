// secuctl approvals list|get|approve|deny|watch.
#include <chrono>
#include <set>
#include <thread>

#include "commands/render.hpp"

namespace secu::cli {

namespace {

const std::vector<Column> kApprovalColumns = {
    {"ID", "id"},
    {"STATUS", "status"},
    {"AGENT", "agent_id"},
    {"METHOD", "method"},
    {"PATH", "path"},
    {"COST", "cost_usd"},
    {"POLICY", "policy_id"},
    {"EXPIRES", "expires_at"},
    {"CREATED", "created_at"},
};

struct DecideOptions {
  std::string id;
  std::string reason;
  bool yes = false;
};

int decide_run(const DecideOptions& o, Deps& d, bool approve) {
  // Denying cannot be taken back; approving is what the operator is asked for, so only a deny
  // asks for confirmation (and needs --yes without a terminal).
  if (!approve && !confirm(d, "Deny approval " + o.id + "?", o.yes)) return kExitError;
  nlohmann::json body = nlohmann::json::object();
  if (!o.reason.empty()) body["reason"] = o.reason;
  return call_and_print(d, "POST",
                        "/v1/approvals/" + url_encode(o.id) + (approve ? "/approve" : "/deny"),
                        body, kApprovalColumns);
}

struct WatchOptions {
  std::string org;
  double interval_s = 2;
  bool once = false;
};

// Polls the pending approvals and prints each one the first time it is seen: one table row (or
// one JSON line with -o json, one id with -q) per approval, as they arrive.
int watch_run(const WatchOptions& o, Deps& d) {
  std::set<std::string> seen;
  bool header_printed = false;
  for (;;) {
    auto r =
        call(d, "GET", "/v1/approvals" + query_string({{"status", "pending"}, {"org_id", o.org}}));
    if (!r.ok()) return r.exit_code;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.contains("approvals")) {
      return report_error(d, Error::internal("secud answered an unexpected body"));
    }
    // The list is newest first: print oldest first so the stream reads in arrival order.
    nlohmann::json fresh = nlohmann::json::array();
    const auto& list = j["approvals"];
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      const auto id = it->value("id", std::string());
      if (!id.empty() && seen.insert(id).second) fresh.push_back(*it);
    }
    if (!fresh.empty()) {
      if (d.format() == OutputFormat::kJson && !d.global.quiet) {
        for (const auto& a : fresh)
          *d.out << a.dump() << "\n";
      } else {
        const bool saved = d.global.no_headers;
        d.global.no_headers = saved || header_printed;
        print_list(d, nlohmann::json{{"approvals", fresh}}, "approvals", kApprovalColumns);
        d.global.no_headers = saved;
        header_printed = true;
      }
      d.out->flush();
    }
    if (o.once) return kExitOk;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(static_cast<int64_t>(o.interval_s * 1000)));
  }
}

void add_decide(CLI::App* parent, const char* name, const char* help, bool approve, Deps& d,
                RunState& rs) {
  auto o = std::make_shared<DecideOptions>();
  auto* cmd = parent->add_subcommand(name, help);
  cmd->add_option("approval_id", o->id, "approval id")->required();
  cmd->add_option("--reason", o->reason, "why (recorded with the decision)");
  if (!approve) cmd->add_flag("-y,--yes", o->yes, "do not ask for confirmation");
  calls(cmd, {approve ? "POST /v1/approvals/{id}/approve" : "POST /v1/approvals/{id}/deny"});
  cmd->callback(
      [o, &d, &rs, approve] { rs.run = [o, &d, approve] { return decide_run(*o, d, approve); }; });
}

}  // namespace

void add_approvals_commands(CLI::App& app, Deps& d, RunState& rs) {
  auto* approvals = app.add_subcommand("approvals", "Review the gateway's approval requests");
  approvals->require_subcommand(1);

  auto lo = std::make_shared<ListOptions>();
  auto status = std::make_shared<std::string>();
  auto agent = std::make_shared<std::string>();
  auto* list = approvals->add_subcommand("list", "List approvals (newest first)");
  add_list_options(list, *lo);
  list->add_option("--status", *status, "pending, approved, denied, expired or cancelled")
      ->check(CLI::IsMember({"pending", "approved", "denied", "expired", "cancelled"}));
  list->add_option("--agent", *agent, "only this agent's");
  calls(list, {"GET /v1/approvals"});
  list->callback([lo, status, agent, &d, &rs] {
    rs.run = [lo, status, agent, &d] {
      return call_and_print_list(
          d, "/v1/approvals" + list_query(*lo, {{"status", *status}, {"agent_id", *agent}}),
          "approvals", kApprovalColumns, lo->all);
    };
  });

  auto gid = std::make_shared<std::string>();
  auto* get = approvals->add_subcommand("get", "Show an approval");
  get->add_option("approval_id", *gid, "approval id")->required();
  calls(get, {"GET /v1/approvals/{id}"});
  get->callback([gid, &d, &rs] {
    rs.run = [gid, &d] {
      return call_and_print(d, "GET", "/v1/approvals/" + url_encode(*gid), nullptr,
                            kApprovalColumns);
    };
  });

  add_decide(approvals, "approve", "Approve a pending request (the agent's retry passes once)",
             true, d, rs);
  add_decide(approvals, "deny", "Deny a pending request", false, d, rs);

  // The agent's side: block until a human decides (the gateway's 202 names the approval).
  auto wid = std::make_shared<std::string>(), wkey = std::make_shared<std::string>();
  auto wtimeout = std::make_shared<int>(30);
  auto* wait =
      approvals->add_subcommand("wait",
                                "As the agent: wait for a decision on an approval (agent key)\n"
                                "  secuctl approvals wait apr_… --key $KEY --timeout 60");
  wait->add_option("approval_id", *wid, "approval id")->required();
  wait->add_option("--key", *wkey, "the agent key (default SECU_AGENT_KEY)");
  // Below the client's 60 s read timeout, so the answer always arrives.
  wait->add_option("--timeout", *wtimeout, "seconds to wait (1-50, default 30)")
      ->check(CLI::Range(1, 50));
  calls(wait, {"GET /v1/approvals/{id}/wait"});
  wait->callback([wid, wkey, wtimeout, &d, &rs] {
    rs.run = [wid, wkey, wtimeout, &d] {
      auto client = d.agent_client(*wkey);
      if (!client.ok()) return report_error(d, client.error());
      auto r = (*client)->call("GET", "/v1/approvals/" + url_encode(*wid) +
                                          "/wait?timeout=" + std::to_string(*wtimeout));
      if (!r.ok()) return report_error(d, r.error());
      if (!r->ok()) return report_reply_error(d, *r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (j.is_discarded())
        return report_error(d, Error::internal("secud answered a non-JSON body"));
      print_object(d, j, kApprovalColumns);
      return kExitOk;
    };
  });

  auto wo = std::make_shared<WatchOptions>();
  auto* watch = approvals->add_subcommand(
      "watch", "Print pending approvals as they arrive, until interrupted");
  watch->add_option("--org", wo->org, "org id (platform admin)");
  watch->add_option("--interval", wo->interval_s, "seconds between polls (default 2)")
      ->check(CLI::Range(0.1, 3600.0));
  watch->add_flag("--once", wo->once, "poll once and exit (scripts, tests)");
  calls(watch, {"GET /v1/approvals"});
  watch->callback([wo, &d, &rs] { rs.run = [wo, &d] { return watch_run(*wo, d); }; });
}

}  // namespace secu::cli
