// ANY /v1/gateway/{path...}: the data plane. Assembled as daemon/gateway/proxy.hpp describes:
// parse the target and the cost, read the key, agent, policies, vendor and the org's fees,
// open the kill-switch token, evaluate the policies, then ONE write job decides (agent
// status, budget reservation, approval grant, billing event, audit entry) and only then is
// the request forwarded; the settlement runs when the stream ends.
#include <httplib.h>  // the raw request target: httplib has already percent-decoded path()

#include <nlohmann/json.hpp>

#include "gateway/runtime.hpp"
#include "secu/billing.hpp"
#include "secu/clock.hpp"
#include "secu/crypto.hpp"
#include "secu/gateway_core.hpp"
#include "secu/money.hpp"
#include "secu/policy.hpp"
#include "server/app.hpp"
#include "server/http.hpp"
#include "server/routes.hpp"

namespace secu::daemon {

namespace {

constexpr std::string_view kMount = "/v1/gateway";

Error unauthenticated() {
  return Error::unauthenticated("invalid or revoked key");
}

// Request errors the policy engine reports for input the gateway should have rejected (400).
bool is_request_error(const policy::Decision& d) {
  return d.outcome == policy::Outcome::kDeny &&
         (d.deny_reason == policy::kInvalidAction || d.deny_reason == policy::kInvalidPath ||
          d.deny_reason == policy::kInvalidCost);
}

void handle(Ctx& c) {
  auto& rt = gateway::runtime_of(c);
  const auto cfg = c.app().config();
  const Principal& who = c.principal();

  // ---- the request: target, cost, action (400s, nothing written) ----
  auto target = Ctx::unwrap(gateway::split_gateway_target(c.raw_request().target, kMount));
  int64_t cost = 0;
  if (const auto h = c.header("X-Secu-Cost-USD"); !h.empty()) {
    auto parsed = billing::parse_usd(h);
    if (!parsed.ok()) {
      Ctx::fail(Error{ErrorKind::kInvalid,
                      "invalid_cost",
                      "X-Secu-Cost-USD must be a non-negative decimal USD amount",
                      "X-Secu-Cost-USD",
                      {}});
    }
    cost = *parsed;
  }
  std::optional<std::string> approval_id;
  if (auto h = c.header("X-Secu-Approval-Id"); !h.empty()) approval_id = std::move(h);

  // ---- what the key stands for (auth has just read the key's own row and found it usable) ----
  if (who.vendor_id.empty()) {
    // A payer key (a marketplace hire's linked key) moves money; it calls no vendor.
    Ctx::fail(Error::make(ErrorKind::kForbidden, "payer_key",
                          "this key pays through POST /v1/tx/transfer; it has no vendor to call"));
  }
  auto view = Ctx::unwrap(
      rt.governance().get(c.app().store(), who.key_id, who.agent_id, who.vendor_id, who.org_id));
  if (!view) Ctx::fail(unauthenticated());

  // Opened before the decision reads the agent's status: a kill-switch committed after that
  // read trips this token, one committed before it is seen by the decision.
  auto token = rt.streams().open(view->agent.id);

  // ---- policies (pure) ----
  policy::Request preq;
  preq.action = c.header("X-Secu-Action");
  preq.method = c.method();
  preq.path = target.path;
  preq.cost_micros = cost;
  auto verdict = policy::evaluate(view->policies, preq);
  if (is_request_error(verdict)) {
    Ctx::fail(Error{ErrorKind::kInvalid,
                    verdict.deny_reason,
                    verdict.message,
                    verdict.deny_reason == policy::kInvalidAction ? "X-Secu-Action" : "",
                    {}});
  }

  auto defaults = Ctx::unwrap(fee_defaults(*cfg));
  gateway_core::DecisionInput in;
  in.org_id = who.org_id;
  in.agent_id = view->agent.id;
  in.key_id = who.key_id;
  in.vendor_id = view->vendor.id;
  in.request_id = c.request_id();
  in.method = c.method();
  in.path = target.path;
  in.cost_micros = cost;
  in.approval_id = approval_id;
  in.fees = billing::fees_for(defaults, view->settings);
  in.approval_ttl_ms = cfg->approval_ttl_s * 1000;
  if (verdict.outcome == policy::Outcome::kApprovalRequired) {
    // Only requests that need a grant pay for hashing their body.
    in.digest = policy::request_digest(policy::DigestInput{
        in.agent_id, in.vendor_id, in.method, target.path, target.query, c.body(), cost});
  }
  in.policy = std::move(verdict);

  // ---- the decision: one write job ----
  gateway_core::DecisionResult r;
  c.write([&](store::WriteTx& tx) -> Status {
    in.now_ms = now_ms();
    SECU_TRY(r, gateway_core::decide(tx, in, c.audit_entry({}, {}, {}, {})));
    return {};
  });
  c.app().metrics.observe_decision(
      r.verdict == gateway_core::Verdict::kAllow     ? Metrics::Decision::kAllowed
      : r.verdict == gateway_core::Verdict::kPending ? Metrics::Decision::kPendingApproval
                                                     : Metrics::Decision::kDenied);
  c.set_header("X-Secu-Event-Id", r.event_id);
  if (r.verdict == gateway_core::Verdict::kDeny) Ctx::fail(gateway_core::denial_error(r));
  if (r.verdict == gateway_core::Verdict::kPending) {
    c.reply(202, gateway_core::pending_json(r));
    return;
  }

  // ---- allowed: forward, settle when the stream ends ----
  gateway_core::SettleInput settle_base;
  settle_base.event_id = r.event_id;
  settle_base.fees = in.fees;
  auto api_key =
      crypto::open(c.app().secrets().seal_key, view->vendor.api_key_sealed, view->vendor.id);
  auto auth_type = gateway::parse_auth_type(view->vendor.auth_type);
  if (!api_key.ok() || !auth_type.ok()) {
    settle_base.status_code = 502;
    settle_base.error_code = "upstream_misconfigured";
    rt.settle(settle_base);
    Ctx::fail(Error::make(ErrorKind::kUpstream, "upstream_misconfigured",
                          "the vendor's configuration is invalid"));
  }
  gateway::VendorTarget vendor;
  vendor.vendor_id = view->vendor.id;
  vendor.base_url = view->vendor.base_url;
  vendor.auth_type = *auth_type;
  vendor.header_name = view->vendor.header_name.value_or("");
  vendor.api_key = std::move(api_key).value();

  gateway::ForwardOptions o;
  o.path = target.path;
  o.query = target.query;
  o.request_id = c.request_id();
  o.connect_timeout = std::chrono::milliseconds(cfg->upstream_connect_timeout_ms);
  o.read_timeout = std::chrono::seconds(cfg->upstream_read_timeout_s);
  o.write_timeout = std::chrono::seconds(cfg->upstream_read_timeout_s);
  o.cancel = token;
  o.cancel_error = Error::make(ErrorKind::kForbidden, "agent_disabled", "the agent was disabled");
  o.cancel_error.extra["deny_reason"] = "agent_disabled";
  o.on_finish = [runtime = &rt, settle_base](const gateway::StreamResult& res) {
    gateway_core::SettleInput s = settle_base;
    s.status_code = res.status;
    s.upstream_answered = res.upstream_status != 0;
    s.metered_micros = res.cost_micros;
    s.error_code = res.error_code;
    runtime->settle(std::move(s));
  };
  if (!r.approval_id.empty()) c.set_header("X-Secu-Approval-Id", r.approval_id);
  rt.proxy().forward(vendor, c.raw_request(), c.raw_response(), std::move(o));
}

}  // namespace

void register_gateway_routes(RouteTable& t) {
  for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    t.add(m, "/v1/gateway/{path...}", Access::kAgent,
          "Gateway: decide, forward to the key's vendor with its credential, meter", handle);
  }
}

}  // namespace secu::daemon
