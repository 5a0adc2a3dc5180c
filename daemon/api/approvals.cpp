// Approvals: GET /v1/approvals (contract), GET /v1/approvals/{id}, POST
// /v1/approvals/{id}/approve and /deny (contract), and the agent's long poll GET
// /v1/approvals/{id}/wait?timeout=30.
#include <nlohmann/json.hpp>

#include "gateway/runtime.hpp"
#include "secu/approvals.hpp"
#include "secu/clock.hpp"
#include "secu/json_input.hpp"
#include "secu/store/list_query.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"
#include "server/scope.hpp"

namespace secu::daemon {

namespace {

constexpr int64_t kDefaultWaitS = 30;
constexpr int64_t kMaxWaitS = 60;  // a poll holds a server thread: keep it bounded
constexpr auto kDrainCheck = std::chrono::seconds(1);

std::optional<store::ApprovalRow> load(Ctx& c, const std::string& id) {
  std::optional<store::ApprovalRow> row;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(row, store::get_approval(db, id));
    return {};
  });
  return row;
}

void list(Ctx& c) {
  store::ApprovalFilter f;
  f.org_id = org_for_read(c);
  f.agent_id = c.query("agent_id").value_or("");
  f.status = c.query("status").value_or("");
  if (!f.status.empty() && !approvals::valid_status(f.status)) {
    Ctx::fail(
        Error::invalid("status must be pending, approved, denied, expired or cancelled", "status"));
  }
  const auto page = Ctx::unwrap(parse_page(c.query("limit"), c.query("cursor")));
  f.now = now_ms();
  std::vector<store::ApprovalRow> rows;
  c.read([&](store::Db& db) -> Status {
    SECU_TRY(rows, store::list_approvals(db, f, page));
    return {};
  });
  const auto next = store::trim_page(rows, page.limit);
  nlohmann::json out = {{"approvals", nlohmann::json::array()}};
  for (const auto& a : rows)
    out["approvals"].push_back(approvals::approval_json(a, f.now));
  if (!next.empty()) out["next_cursor"] = next;
  c.reply(200, out);
}

void get(Ctx& c) {
  auto row = load(c, c.param(0));
  if (!row) Ctx::fail(Error::not_found("approval"));
  require_visible(c, row->org_id, "approval");
  c.reply(200, approvals::approval_json(*row, now_ms()));
}

void decide(Ctx& c, bool approve) {
  std::optional<std::string> reason;
  if (!c.body().empty()) {
    const auto body = c.json_body();
    json::Reader r(body);
    reason = r.str("reason", {.max_len = 1000});
    Ctx::unwrap(r.finish());
  }
  auto& rt = gateway::runtime_of(c);
  approvals::DecideInput in;
  in.scope_org = write_scope(c);
  in.approval_id = c.param(0);
  in.approve = approve;
  in.reason = reason;
  in.decided_by = c.principal().actor_id();
  in.grant_ttl_ms = c.app().config()->approval_ttl_s * 1000;
  approvals::DecideResult out;
  c.write([&](store::WriteTx& tx) -> Status {
    in.now_ms = now_ms();
    SECU_TRY(out, approvals::decide(tx, in, c.audit_entry({}, {}, {}, {})));
    tx.after_commit([&rt] { rt.approvals().notify(); });
    return {};
  });
  if (out.refused) Ctx::fail(*out.refused);
  c.reply(200, approvals::approval_json(out.row, now_ms()));
}

// The agent waits for its own approval's decision: answers as soon as it is no longer pending,
// or with the pending approval at the timeout.
void wait(Ctx& c) {
  auto& rt = gateway::runtime_of(c);
  int64_t timeout_s = kDefaultWaitS;
  if (auto t = c.query("timeout")) {
    char* end = nullptr;
    const long long v = std::strtoll(t->c_str(), &end, 10);
    if (t->empty() || *end != '\0' || v < 0 || v > kMaxWaitS) {
      Ctx::fail(Error::invalid("timeout must be 0..60 seconds", "timeout"));
    }
    timeout_s = v;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  uint64_t seen = rt.approvals().generation();
  for (;;) {
    auto row = load(c, c.param(0));
    // Another agent's approval is as invisible as one that does not exist.
    if (!row || row->agent_id != c.principal().agent_id) Ctx::fail(Error::not_found("approval"));
    const int64_t now = now_ms();
    const auto status = approvals::effective_status(*row, now);
    const auto steady_now = std::chrono::steady_clock::now();
    if (status != "pending" || steady_now >= deadline || c.app().draining) {
      c.reply(200, approvals::approval_json(*row, now));
      return;
    }
    // Re-read at a decision (the board moved), at the approval's own deadline or at the
    // poll's timeout; look at the drain flag every second so shutdown is not held up.
    const auto lapse = steady_now + std::chrono::milliseconds(row->expires_at - now);
    const auto until = std::min(deadline, lapse);
    for (;;) {
      const auto slice = std::min(until, std::chrono::steady_clock::now() + kDrainCheck);
      const uint64_t g = rt.approvals().wait(seen, slice);
      if (g != seen) {
        seen = g;
        break;
      }
      if (std::chrono::steady_clock::now() >= until || c.app().draining) break;
    }
  }
}

}  // namespace

void register_approval_routes(RouteTable& t) {
  t.add("GET", "/v1/approvals", Access::kViewer, "List approvals (scoped by principal)", list);
  t.add("GET", "/v1/approvals/{id}", Access::kViewer, "Get an approval", get);
  t.add("POST", "/v1/approvals/{id}/approve", Access::kApprover, "Approve an approval request",
        [](Ctx& c) { decide(c, true); });
  t.add("POST", "/v1/approvals/{id}/deny", Access::kApprover, "Deny an approval request",
        [](Ctx& c) { decide(c, false); });
  t.add("GET", "/v1/approvals/{id}/wait", Access::kAgent,
        "Wait for an approval's decision (agent key; ?timeout=30 seconds)", wait);
}

}  // namespace secu::daemon
