-- wrk script: every request creates an agent (POST /v1/agents) in ORG with the admin token.
-- ORG and TOKEN come from the environment (tests/bench/control/run.sh sets them).
local org = os.getenv("ORG")
local token = os.getenv("TOKEN")
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/v1/agents", {
    ["Content-Type"] = "application/json",
    ["X-Secu-Admin-Token"] = token,
  }, '{"org_id":"' .. org .. '","name":"bench-' .. n .. '"}')
end
