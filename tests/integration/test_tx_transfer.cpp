// POST /v1/tx/transfer on the internal rail through the real secud (and secuctl): balances,
// insufficient funds, idempotent replay and conflict, 100 concurrent transfers, governance
// (approvals, kill-switch, policy and budget denials), billing events and audit, rails not
// configured, bad input, unknown ids and credentials.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <future>
#include <thread>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/ledger_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

namespace {

json pay(const std::string& to, int64_t amount, const std::string& key = {}) {
  json b = {{"rail", "internal"}, {"currency", "usd"}, {"amount", amount}, {"to_agent_id", to}};
  if (!key.empty()) b["idempotency_key"] = key;
  return b;
}

}  // namespace

TEST_CASE("tx: acceptance - secuctl pays another agent, reconcile balanced, replay moves nothing",
          "[tx][cli]") {
  Secud s;
  auto p = make_payers(s);
  fund(s, p.payer.agent, 1000);
  const std::map<std::string, std::string> env = {{"SECU_AGENT_KEY", p.payer.key}};
  const std::vector<std::string> args = {
      "--addr",   s.url(),  "-o",       "json",       "tx",
      "transfer", "--rail", "internal", "--currency", "usd",
      "--amount", "250",    "--to",     p.payee,      "--idempotency-key",
      "order-42", "--meta", "order=42"};
  auto first = secuctl(args, env);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  const auto t = json::parse(first.out);
  CHECK(t["status"] == "settled");
  CHECK(t["amount"] == 250);
  CHECK(t["amount_usd"] == 2.5);
  CHECK(t["from_agent_id"] == p.payer.agent);
  CHECK(t["to_agent_id"] == p.payee);
  CHECK(t["metadata"]["order"] == "42");
  CHECK(balance(s, p.payer.agent) == 750);
  CHECK(balance(s, p.payee) == 250);

  auto rec = secuctl({"--addr", s.url(), "--admin-token", s.admin_token(), "ledger", "reconcile"});
  INFO(rec.out << rec.err);
  CHECK(rec.exit_code == 0);
  CHECK(reconcile(s)["balanced"] == true);

  // The same key and body: the first answer, nothing moves.
  auto again = secuctl(args, env);
  REQUIRE(again.exit_code == 0);
  CHECK(json::parse(again.out)["id"] == t["id"]);
  CHECK(balance(s, p.payer.agent) == 750);
  CHECK(balance(s, p.payee) == 250);
  auto raw = transfer(s, p.payer.key,
                      json{{"rail", "internal"},
                           {"currency", "usd"},
                           {"amount", 250},
                           {"to_agent_id", p.payee},
                           {"idempotency_key", "order-42"},
                           {"metadata", {{"order", "42"}}}});
  CHECK(raw.status == 200);
  CHECK(raw.header("Idempotent-Replayed") == "true");
  CHECK(raw.json() == t);
  CHECK(count_rows(s, "ledger_transfers") == 2);  // the funding and the one transfer

  // The same key with another body: 409, nothing moves.
  auto conflict = transfer(s, p.payer.key, pay(p.payee, 300, "order-42"));
  CHECK(conflict.status == 409);
  CHECK(conflict.json()["error"]["code"] == "idempotency_conflict");
  CHECK(balance(s, p.payer.agent) == 750);
}

TEST_CASE("tx: insufficient funds answer 409 and move nothing", "[tx]") {
  Secud s;
  auto p = make_payers(s);
  // No wallet at all yet.
  auto none = transfer(s, p.payer.key, pay(p.payee, 1));
  CHECK(none.status == 409);
  CHECK(none.json()["error"]["code"] == "insufficient_funds");
  fund(s, p.payer.agent, 100);
  const auto events = count_rows(s, "billing_events");
  auto r = transfer(s, p.payer.key, pay(p.payee, 101, "too-much"));
  INFO(r.body);
  CHECK(r.status == 409);
  CHECK(r.json()["error"]["code"] == "insufficient_funds");
  CHECK(balance(s, p.payer.agent) == 100);
  CHECK(balance(s, p.payee) == 0);
  CHECK(count_rows(s, "ledger_transfers") == 1);
  CHECK(count_rows(s, "billing_events") == events);
  // The key was not spent on the failure: after funding, the same request goes through.
  fund(s, p.payer.agent, 1);
  CHECK(transfer(s, p.payer.key, pay(p.payee, 101, "too-much")).status == 200);
  CHECK(balance(s, p.payer.agent) == 0);
  CHECK(reconcile(s)["balanced"] == true);
}

TEST_CASE("tx: 100 concurrent transfers from one wallet never overdraw it", "[tx][race]") {
  Secud s;
  auto p = make_payers(s);
  fund(s, p.payer.agent, 5000);
  std::atomic<int> ok{0}, poor{0}, other{0};
  std::promise<void> go;
  auto start = go.get_future().share();
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&, i, start] {
      start.wait();
      // 100 connects at once overflow httplib's small listen backlog: a client whose SYNs were
      // dropped gets no answer (status 0). It retries after a jittered pause; the idempotency
      // key makes a retry safe even had the first attempt reached secud.
      Response r;
      for (int attempt = 0; attempt < 20 && r.status == 0; ++attempt) {
        if (attempt > 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(50 + (i * 37) % 200));
        r = transfer(s, p.payer.key, pay(p.payee, 100, "race-" + std::to_string(i)));
      }
      if (r.status == 200) {
        ++ok;
      } else if (r.status == 409) {
        ++poor;
      } else {
        ++other;
        std::printf("transfer race: unexpected %d %s\n", r.status, r.body.c_str());
      }
    });
  }
  go.set_value();
  for (auto& t : threads)
    t.join();
  std::printf(
      "transfer race: 100 transfers of 100 from 5000: %d settled, %d insufficient, %d other\n",
      ok.load(), poor.load(), other.load());
  CHECK(other == 0);
  CHECK(ok == 50);
  CHECK(poor == 50);
  CHECK(balance(s, p.payer.agent) == 0);
  CHECK(balance(s, p.payee) == 5000);
  auto r = reconcile(s);
  CHECK(r["balanced"] == true);
  CHECK(r["mismatched_accounts"].empty());
}

TEST_CASE("tx: every transfer writes its billing event (fee by fee_mode) and audit entry", "[tx]") {
  Secud s(secud_with({"--take-rate-bps", "100"}));
  auto p = make_payers(s);
  fund(s, p.payer.agent, 1000);
  auto r = transfer(s, p.payer.key, pay(p.payee, 250));
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto t = r.json();
  CHECK(t["fee_usd"] == 0.025);  // 1 % of 2.50 USD
  const auto event_id = t["event_id"].get<std::string>();
  CHECK(r.header("X-Secu-Event-Id") == event_id);
  auto e = settled_event(s, event_id);
  CHECK(e["action"] == "tx.transfer");
  CHECK(e["allow"] == true);
  CHECK(e["cost_usd"] == 2.5);
  CHECK(e["fee_usd"] == 0.025);
  CHECK(audit_count(s, p.payer.org, "tx.transfer") == 1);

  // per_action: a flat fee.
  REQUIRE(
      admin(s, "POST", "/v1/billing/settings",
            json{{"org_id", p.payer.org}, {"fee_mode", "per_action"}, {"fee_per_action_usd", 0.01}}
                .dump())
          .status == 200);
  auto flat = transfer(s, p.payer.key, pay(p.payee, 100));
  REQUIRE(flat.status == 200);
  CHECK(flat.json()["fee_usd"] == 0.01);
  CHECK(settled_event(s, flat.json()["event_id"])["fee_usd"] == 0.01);
  auto stats = admin(s, "GET", "/v1/tx/stats?org_id=" + p.payer.org).json();
  CHECK(stats["fees_micros"] == 25'000 + 10'000);
}

TEST_CASE("tx: approvals - 202, approve, the retry settles once, a changed body does not ride",
          "[tx][approvals]") {
  Secud s;
  auto p = make_payers(s, json{{"allowed_actions", json::array()}, {"approval_min_cost", 1.0}});
  fund(s, p.payer.agent, 1000);
  // Below the threshold: at once.
  CHECK(transfer(s, p.payer.key, pay(p.payee, 50)).status == 200);

  auto first = transfer(s, p.payer.key, pay(p.payee, 250));
  INFO(first.body);
  REQUIRE(first.status == 202);
  CHECK(first.json()["status"] == "pending_approval");
  const auto id = first.json()["approval_id"].get<std::string>();
  CHECK(balance(s, p.payer.agent) == 950);
  auto a = admin(s, "GET", "/v1/approvals/" + id).json();
  CHECK(a["action"] == "tx.transfer");
  CHECK(a["cost_usd"] == 2.5);

  // Before the decision: still pending (the same approval).
  auto early = transfer(s, p.payer.key, pay(p.payee, 250), {{"X-Secu-Approval-Id", id}});
  CHECK(early.status == 202);
  CHECK(early.json()["approval_id"] == id);

  REQUIRE(admin(s, "POST", "/v1/approvals/" + id + "/approve").status == 200);
  // Another body does not ride the grant.
  auto changed = transfer(s, p.payer.key, pay(p.payee, 260), {{"X-Secu-Approval-Id", id}});
  CHECK(changed.status == 202);
  CHECK(changed.json()["approval_id"] != id);
  CHECK(balance(s, p.payer.agent) == 950);

  auto paid = transfer(s, p.payer.key, pay(p.payee, 250), {{"X-Secu-Approval-Id", id}});
  INFO(paid.body);
  REQUIRE(paid.status == 200);
  CHECK(paid.json()["approval_id"] == id);
  CHECK(balance(s, p.payer.agent) == 700);
  // Used once: the same request again needs a new approval.
  auto twice = transfer(s, p.payer.key, pay(p.payee, 250), {{"X-Secu-Approval-Id", id}});
  CHECK(twice.status == 202);
  CHECK(twice.json()["approval_id"] != id);
  CHECK(balance(s, p.payer.agent) == 700);

  // Denied: 403 approval_denied with the same body.
  const auto next = twice.json()["approval_id"].get<std::string>();
  REQUIRE(admin(s, "POST", "/v1/approvals/" + next + "/deny").status == 200);
  auto denied = transfer(s, p.payer.key, pay(p.payee, 250), {{"X-Secu-Approval-Id", next}});
  CHECK(denied.status == 403);
  CHECK(denied.json()["error"]["code"] == "approval_denied");
  CHECK(balance(s, p.payer.agent) == 700);
  CHECK(reconcile(s)["balanced"] == true);
}

TEST_CASE("tx: kill-switch, policy and budget denials move nothing", "[tx]") {
  Secud s;
  SECTION("kill-switch") {
    auto p = make_payers(s);
    fund(s, p.payer.agent, 1000);
    REQUIRE(admin(s, "POST", "/v1/kill-switch/" + p.payer.agent).status == 200);
    auto r = transfer(s, p.payer.key, pay(p.payee, 100));
    CHECK(r.status == 403);
    CHECK(r.json()["error"]["code"] == "agent_disabled");
    CHECK(balance(s, p.payer.agent) == 1000);
    REQUIRE(admin(s, "POST", "/v1/agents/" + p.payer.agent + "/enable").status == 200);
    CHECK(transfer(s, p.payer.key, pay(p.payee, 100)).status == 200);
  }
  SECTION("policy") {
    auto p = make_payers(s, json{{"allowed_actions", json::array({"GET *"})}});
    fund(s, p.payer.agent, 1000);
    auto r = transfer(s, p.payer.key, pay(p.payee, 100));
    CHECK(r.status == 403);
    CHECK(r.json()["error"]["code"] == "policy_denied");
    CHECK(r.json()["error"]["policy_id"] == p.payer.policy);
    CHECK(balance(s, p.payer.agent) == 1000);
  }
  SECTION("max cost") {
    auto p = make_payers(s, json{{"max_cost_per_request", 1.0}});
    fund(s, p.payer.agent, 1000);
    CHECK(transfer(s, p.payer.key, pay(p.payee, 100)).status == 200);
    CHECK(transfer(s, p.payer.key, pay(p.payee, 101)).status == 403);
  }
  SECTION("daily budget") {
    auto p = make_payers(s, json::object(), 5.0);
    fund(s, p.payer.agent, 10'000);
    CHECK(transfer(s, p.payer.key, pay(p.payee, 300)).status == 200);
    auto r = transfer(s, p.payer.key, pay(p.payee, 300));
    CHECK(r.status == 403);
    CHECK(r.json()["error"]["code"] == "budget_exceeded");
    CHECK(transfer(s, p.payer.key, pay(p.payee, 200)).status == 200);
    CHECK(balance(s, p.payer.agent) == 9500);
  }
  SECTION("no policy attached: denied, never fail open") {
    auto o = gateway_options("http://127.0.0.1:9/api", json::object()).without_policy();
    auto g = provision_gateway(s, o);
    const auto payee = make_agent(s, g.org, "payee");
    fund(s, g.agent, 100);
    auto r = transfer(s, g.key, pay(payee, 10));
    CHECK(r.status == 403);
    CHECK(r.json()["error"]["deny_reason"] == "no_policy");
  }
  CHECK(reconcile(s)["balanced"] == true);
}

TEST_CASE("tx: rails not configured answer 400 and write nothing", "[tx]") {
  Secud s;
  auto p = make_payers(s);
  fund(s, p.payer.agent, 1000);
  const auto events = count_rows(s, "billing_events");
  auto x402 = transfer(s, p.payer.key,
                       json{{"rail", "x402"},
                            {"currency", "usdc"},
                            {"amount", 1000},
                            {"to_address", "0xabc"},
                            {"network", "base-sepolia"},
                            {"asset", "0x036CbD53842c5426634e7929541eC2318f3dCF7e"}});
  CHECK(x402.status == 400);
  CHECK(x402.json()["error"]["code"] == "rail_not_configured");
  auto stripe = transfer(s, p.payer.key,
                         json{{"rail", "stripe"},
                              {"currency", "usd"},
                              {"amount", 100},
                              {"shared_payment_token", "spt_test_123"}});
  CHECK(stripe.status == 400);
  CHECK(stripe.json()["error"]["code"] == "rail_not_configured");
  CHECK(stripe.body.find("spt_test_123") == std::string::npos);
  CHECK(count_rows(s, "billing_events") == events);
  CHECK(count_rows(s, "ledger_transfers") == 1);
}

TEST_CASE("tx: bad input is a 400 that writes nothing", "[tx]") {
  Secud s;
  auto p = make_payers(s);
  fund(s, p.payer.agent, 1000);
  const std::string big(600, 'x');
  json many = json::object();
  for (int i = 0; i < 21; ++i)
    many["k" + std::to_string(i)] = "v";
  const std::vector<std::pair<json, std::string>> bad = {
      {{{"currency", "usd"}, {"amount", 5}, {"to_agent_id", p.payee}}, "rail"},
      {{{"rail", "internal"}, {"amount", 5}, {"to_agent_id", p.payee}}, "currency"},
      {{{"rail", "internal"}, {"currency", "usd"}, {"to_agent_id", p.payee}}, "amount"},
      {{{"rail", "internal"}, {"currency", "usd"}, {"amount", "5"}, {"to_agent_id", p.payee}},
       "amount"},
      {{{"rail", "internal"}, {"currency", "usd"}, {"amount", 0}, {"to_agent_id", p.payee}},
       "amount"},
      {{{"rail", "internal"}, {"currency", "usd"}, {"amount", 2.5}, {"to_agent_id", p.payee}},
       "amount"},
      {{{"rail", "carrier-pigeon"}, {"currency", "usd"}, {"amount", 5}, {"to_agent_id", p.payee}},
       "rail"},
      {{{"rail", "internal"}, {"currency", "usd"}, {"amount", 5}}, "to_agent_id"},
      {{{"rail", "internal"}, {"currency", "usd"}, {"amount", 5}, {"to_agent_id", p.payer.agent}},
       "to_agent_id"},
      {{{"rail", "internal"}, {"currency", "eur"}, {"amount", 5}, {"to_agent_id", p.payee}},
       "amount_usd"},
      {{{"rail", "internal"},
        {"currency", "usd"},
        {"amount", 5},
        {"to_agent_id", p.payee},
        {"amount_usd", -1}},
       "amount_usd"},
      {{{"rail", "internal"},
        {"currency", "usd"},
        {"amount", 5},
        {"to_agent_id", p.payee},
        {"metadata", {{"k", 1}}}},
       "metadata"},
      {{{"rail", "internal"},
        {"currency", "usd"},
        {"amount", 5},
        {"to_agent_id", p.payee},
        {"metadata", {{"k", big}}}},
       "metadata"},
      {{{"rail", "internal"},
        {"currency", "usd"},
        {"amount", 5},
        {"to_agent_id", p.payee},
        {"metadata", many}},
       "metadata"},
      {{{"rail", "internal"},
        {"currency", "usd"},
        {"amount", 5},
        {"to_agent_id", p.payee},
        {"memo", "x"}},
       "memo"},
      {{{"rail", "x402"}, {"currency", "usdc"}, {"amount", 5}, {"network", "base"}, {"asset", "a"}},
       "to_address"},
      {{{"rail", "stripe"}, {"currency", "usd"}, {"amount", 5}}, "shared_payment_token"},
  };
  for (const auto& [b, field] : bad) {
    auto r = transfer(s, p.payer.key, b);
    INFO(b.dump() << " → " << r.body);
    CHECK(r.status == 400);
    CHECK(r.json()["error"]["field"] == field);
  }
  auto not_json = http(s.url(), "POST", "/v1/tx/transfer", "{nope",
                       {{"Authorization", "Bearer " + p.payer.key}});
  CHECK(not_json.status == 400);
  // Unknown payee: 404.
  auto unknown = transfer(s, p.payer.key, pay("agt_nope", 5));
  CHECK(unknown.status == 404);
  CHECK(count_rows(s, "ledger_transfers") == 1);
  CHECK(balance(s, p.payer.agent) == 1000);
}

TEST_CASE("tx: an agent of another org can be paid, neither org sees the other's wallets", "[tx]") {
  Secud s;
  auto p = make_payers(s);
  const auto org_b = make_org(s, "Payee Org");
  const auto foreign = make_agent(s, org_b, "foreign");
  fund(s, p.payer.agent, 500);
  auto r = transfer(s, p.payer.key, pay(foreign, 200));
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json()["to_org_id"] == org_b);
  CHECK(balance(s, foreign) == 200);
  const auto tok_b = make_user_token(s, org_b, "viewer", "viewer@payee.test");
  // The payee's org sees the transfer it received, and only its own wallet.
  auto hist = http(s.url(), "GET", "/v1/ledger/transfers", "", bearer(tok_b)).json();
  REQUIRE(hist["transfers"].size() == 1);
  CHECK(hist["transfers"][0]["id"] == r.json()["id"]);
  auto wallets = http(s.url(), "GET", "/v1/ledger/wallets", "", bearer(tok_b)).json();
  REQUIRE(wallets["wallets"].size() == 1);
  CHECK(wallets["wallets"][0]["agent_id"] == foreign);
  CHECK(http(s.url(), "GET", "/v1/ledger/wallets/" + r.json()["from_wallet_id"].get<std::string>(),
             "", bearer(tok_b))
            .status == 404);
}

TEST_CASE("tx: transfers need an agent key", "[tx]") {
  Secud s;
  auto p = make_payers(s);
  fund(s, p.payer.agent, 100);
  const auto body = pay(p.payee, 10).dump();
  CHECK(http(s.url(), "POST", "/v1/tx/transfer", body).status == 401);
  CHECK(http(s.url(), "POST", "/v1/tx/transfer", body, bearer("sk_secu_wrong")).status == 401);
  auto as_admin = admin(s, "POST", "/v1/tx/transfer", body);
  CHECK((as_admin.status == 401 || as_admin.status == 403));
  const auto tok = make_user_token(s, p.payer.org, "owner", "owner@tx.test");
  auto as_user = http(s.url(), "POST", "/v1/tx/transfer", body, bearer(tok));
  CHECK((as_user.status == 401 || as_user.status == 403));
  REQUIRE(admin(s, "DELETE", "/v1/keys/" + p.payer.key_id).status == 200);
  CHECK(transfer(s, p.payer.key, pay(p.payee, 10)).status == 401);
  CHECK(balance(s, p.payer.agent) == 100);
  auto cli = secuctl(
      {"--addr", s.url(), "tx", "transfer", "--currency", "usd", "--amount", "5", "--to", p.payee},
      {{"SECU_AGENT_KEY", ""}});
  CHECK(cli.exit_code != 0);
}
