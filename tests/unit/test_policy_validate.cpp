// Validation of policy input and the approval digest.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <set>

#include "secu/policy.hpp"

using namespace secu::policy;

TEST_CASE("validate_action_glob accepts names and HTTP patterns", "[policy][validate]") {
  for (const char* ok : {"*", "tx.transfer", "charges.*", "GET /v1/*", "* /v1/charges", "P?T /x",
                         "GET *", "DELETE /v1/customers/?"}) {
    INFO(ok);
    CHECK(validate_action_glob(ok, "allowed_actions").ok());
  }
  for (std::string bad :
       {std::string(""), std::string(257, 'a'), std::string(" GET /x"), std::string("GET /x "),
        std::string("get /x"), std::string("GET x"), std::string("GET /a b"),
        std::string("two words"), std::string("a\tb"), std::string("a\nb"), std::string("x\x7f")}) {
    INFO(bad);
    auto st = validate_action_glob(bad, "approval_actions");
    CHECK_FALSE(st.ok());
    if (!st.ok()) {
      CHECK(st.error().field == "approval_actions");
      CHECK(st.error().code == "invalid_request");
    }
  }
}

TEST_CASE("validate_path_prefix wants literal, normalisable paths", "[policy][validate]") {
  for (const char* ok : {"/", "/admin", "/admin/", "/v1/secrets", "/a%20b", "/%61dmin"}) {
    INFO(ok);
    CHECK(validate_path_prefix(ok, "denied_path_prefixes").ok());
  }
  for (std::string bad :
       {std::string(""), std::string("admin"), std::string("/admin*"), std::string("/a?b"),
        std::string("/a;b"), std::string("/a#b"), std::string("/.."), std::string("/a%2fb"),
        std::string("/a\\b"), std::string(1025, '/')}) {
    INFO(bad);
    auto st = validate_path_prefix(bad, "denied_path_prefixes");
    CHECK_FALSE(st.ok());
    if (!st.ok()) CHECK(st.error().field == "denied_path_prefixes");
  }
}

TEST_CASE("cost_from_usd: finite, non-negative, exact to the micro", "[policy][validate]") {
  CHECK(cost_from_usd(0, "max_cost_per_request").value() == 0);
  CHECK(cost_from_usd(0.1, "max_cost_per_request").value() == 100'000);
  CHECK(cost_from_usd(12.345678, "max_cost_per_request").value() == 12'345'678);
  CHECK(cost_from_usd(1e9, "x").value() == 1'000'000'000'000'000LL);
  for (double bad : {-0.01, -1e-9, std::nan(""), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity(), 1e9 + 1}) {
    INFO(bad);
    auto r = cost_from_usd(bad, "approval_min_cost");
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.error().field == "approval_min_cost");
  }
}

TEST_CASE("validate_policy checks every field and names it", "[policy][validate]") {
  Policy p;
  p.id = "pol_1";
  p.name = "reads";
  p.allowed_actions = {"GET /v1/*"};
  p.denied_path_prefixes = {"/admin"};
  p.approval_actions = {"DELETE *"};
  p.max_cost_per_request_micros = 1'000'000;
  p.approval_min_cost_micros = 0;
  REQUIRE(validate_policy(p).ok());

  auto field_of = [](const Policy& q) {
    auto st = validate_policy(q);
    return st.ok() ? std::string() : st.error().field;
  };
  auto q = p;
  q.name = "";
  CHECK(field_of(q) == "name");
  q = p;
  q.name = std::string(201, 'n');
  CHECK(field_of(q) == "name");
  q = p;
  q.allowed_actions = {"GET v1"};
  CHECK(field_of(q) == "allowed_actions");
  q = p;
  q.allowed_actions = std::vector<std::string>(101, "*");
  CHECK(field_of(q) == "allowed_actions");
  q = p;
  q.approval_actions = {""};
  CHECK(field_of(q) == "approval_actions");
  q = p;
  q.denied_path_prefixes = {"admin"};
  CHECK(field_of(q) == "denied_path_prefixes");
  q = p;
  q.max_cost_per_request_micros = -1;
  CHECK(field_of(q) == "max_cost_per_request");
  q = p;
  q.approval_min_cost_micros = -1;
  CHECK(field_of(q) == "approval_min_cost");
}

TEST_CASE("request_digest binds every field of the request", "[policy][digest]") {
  DigestInput base;
  base.agent_id = "agt_1";
  base.vendor_id = "vnd_1";
  base.method = "POST";
  base.path = "/v1/charges";
  base.query = "expand=x";
  base.body = R"({"amount":100})";
  base.cost_micros = 2'500'000;

  const auto d0 = request_digest(base);
  CHECK(d0.size() == 64);
  CHECK(d0.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(request_digest(base) == d0);  // deterministic

  std::set<std::string> seen{d0};
  auto differs = [&](DigestInput in) {
    const auto d = request_digest(in);
    CHECK(seen.insert(d).second);
  };
  auto in = base;
  in.agent_id = "agt_2";
  differs(in);
  in = base;
  in.vendor_id = "vnd_2";
  differs(in);
  in = base;
  in.method = "PUT";
  differs(in);
  in = base;
  in.path = "/v1/charges/";
  differs(in);
  in = base;
  in.query = "";
  differs(in);
  in = base;
  in.body = R"({"amount":1000})";
  differs(in);
  in = base;
  in.body = "";
  differs(in);
  in = base;
  in.cost_micros = 2'500'001;
  differs(in);
  // Field boundaries are part of the digest: moving bytes between fields changes it.
  in = base;
  in.path = "/v1/charges?expand=x";
  in.query = "";
  differs(in);
  in = base;
  in.agent_id = "agt_1vnd_1";
  in.vendor_id = "";
  differs(in);
}

TEST_CASE("request_digest has a fixed value for a known input", "[policy][digest]") {
  // Pinned (computed independently: SHA-256 over 8-byte big-endian lengths + bytes of
  // "secu.approval.v1", the fields in order, the cost in decimal) so that a change of the encoding
  // (which would void every pending grant) is a deliberate, reviewed change.
  DigestInput in;
  in.agent_id = "agt_a";
  in.vendor_id = "vnd_v";
  in.method = "GET";
  in.path = "/";
  const auto d = request_digest(in);
  CHECK(d == request_digest(in));
  CHECK(d.size() == 64);
  INFO("pinned digest: " << d);
  CHECK(d == "7db62724604a7658d36e092bdafc0f985e06d01199f3c7a83f0a8dffc082ff46");
}
