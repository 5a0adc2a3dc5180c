-- wrk script: each connection waits PACE_MS (default 10) between requests, so -c10 offers
-- about 1,000 requests/s: the latency at a set rate, not at saturation.
local pace = tonumber(os.getenv("PACE_MS") or "10")
delay = function()
  return pace
end
