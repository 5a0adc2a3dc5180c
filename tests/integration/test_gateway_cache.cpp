// The gateway keeps each key's agent, policies, vendor and billing settings between requests
// (daemon/gateway/governance_cache.hpp). Every change to them must be seen by the very next
// request: each step below changes one thing through the API and checks the request right after
// it, with no pause in between.
#include <catch2/catch.hpp>

#include "support/api.hpp"
#include "support/fixture.hpp"
#include "support/gateway_helpers.hpp"

using namespace secu::test;
using nlohmann::json;

TEST_CASE(
    "gateway cache: policy, vendor, attachment and kill-switch changes apply to the next "
    "request",
    "[gateway][cache]") {
  Secud s;
  Upstream up;
  auto g = provision_gateway(
      s, gateway_options(up.base_url(), json{{"allowed_actions", json::array()}}));
  auto ok = gw(s, g.key, "GET", "/echo/v1/a");
  REQUIRE(ok.status == 200);  // the view is cached now
  CHECK(ok.json()["headers"]["Authorization"] == json::array({"Bearer vendor-secret-0123456789"}));

  // A policy edit: the path is denied from the next request on.
  REQUIRE(admin(s, "PATCH", "/v1/policies/" + g.policy,
                json{{"denied_path_prefixes", json::array({"/echo/v1/a"})}}.dump())
              .status == 200);
  auto denied = gw(s, g.key, "GET", "/echo/v1/a");
  CHECK(denied.status == 403);
  CHECK(denied.json()["error"]["code"] == "policy_denied");
  CHECK(gw(s, g.key, "GET", "/echo/v1/b").status == 200);

  // The vendor's credential rotated: the next request carries the new one.
  REQUIRE(admin(s, "POST", "/v1/vendors/" + g.vendor + "/rotate-key",
                json{{"api_key", "vendor-secret-rotated-42"}}.dump())
              .status == 200);
  auto rotated = gw(s, g.key, "GET", "/echo/v1/b");
  REQUIRE(rotated.status == 200);
  CHECK(rotated.json()["headers"]["Authorization"] ==
        json::array({"Bearer vendor-secret-rotated-42"}));

  // The policy detached: an agent without policies is denied (default deny).
  REQUIRE(admin(s, "PATCH", "/v1/agents/" + g.agent,
                json{{"detach_policy_ids", json::array({g.policy})}}.dump())
              .status == 200);
  auto none = gw(s, g.key, "GET", "/echo/v1/b");
  CHECK(none.status == 403);
  REQUIRE(admin(s, "PATCH", "/v1/agents/" + g.agent,
                json{{"attach_policy_ids", json::array({g.policy})}}.dump())
              .status == 200);
  CHECK(gw(s, g.key, "GET", "/echo/v1/b").status == 200);

  // The kill-switch: refused on the very next request; re-enabled: allowed again.
  REQUIRE(admin(s, "POST", "/v1/kill-switch/" + g.agent).status == 200);
  auto killed = gw(s, g.key, "GET", "/echo/v1/b");
  CHECK(killed.status == 403);
  CHECK(killed.json()["error"]["code"] == "agent_disabled");
  REQUIRE(admin(s, "POST", "/v1/agents/" + g.agent + "/enable").status == 200);
  CHECK(gw(s, g.key, "GET", "/echo/v1/b").status == 200);

  // The key revoked: 401 on the next request.
  REQUIRE(admin(s, "DELETE", "/v1/keys/" + g.key_id).status == 200);
  CHECK(gw(s, g.key, "GET", "/echo/v1/b").status == 401);
}
