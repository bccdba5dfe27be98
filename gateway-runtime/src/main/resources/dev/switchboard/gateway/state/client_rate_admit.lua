-- Route client rate limits (RoutingPolicy.rateLimits) counted in the shared store: per-minute token
-- buckets, one hash per limit and caller (levels 'l', last refill 't' in ms), refilled continuously.
-- One run on one replica's behalf for one set of buckets, atomically: first what the replica
-- reports (requests of its allowance it gives back, tokens its answers used since its last run),
-- then the m requests waiting for an answer, each decided exactly as if it came alone and in order,
-- then an allowance of requests the replica may admit without asking (only from room the request
-- buckets have left). Invariant: a request bucket's level is what is left after every admitted
-- request and every replica's held allowance. Runs are sent once and never retried, so no
-- per-request key is kept.
-- KEYS the buckets, in the order of the ARGV pairs.
-- ARGV: nowMs, m, returnRequests, wantRequests, tokens, then per bucket: capacity per minute, kind
-- ('r' requests | 't' tokens).
-- Returns: grantedRequests, tokenLevel (the lowest token bucket rounded up, 0 when not positive; -1
-- without token buckets), then 4 values per waiting request: {1, '', 0, 0} admitted |
-- {2, dimension, retryMs, bucket number} limited.
--#include token_buckets.lua
local now = tonumber(ARGV[1])
local m = tonumber(ARGV[2])
local returned = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local tokens = tonumber(ARGV[5])
local nb = #KEYS
local caps, kinds, levels, lasts = load_buckets(0, 6, nb, now, returned, tokens)
local out = {0, -1}
for r = 1, m do
  local res = nil
  -- As in one replica (see limited): every token bucket first, then the request buckets.
  for _, kind in ipairs({'t', 'r'}) do
    for i = 1, nb do
      if res == nil and kinds[i] == kind then
        local dimension, retryMs = limited(kind, levels[i], caps[i])
        if dimension ~= nil then
          res = {2, dimension, retryMs, i}
        end
      end
    end
  end
  if res == nil then
    take_request(kinds, levels)
    res = {1, '', 0, 0}
  end
  for _, v in ipairs(res) do
    out[#out + 1] = v
  end
end
-- The allowance: what every request bucket can spare.
local grant, tokenLevel = grant_requests(kinds, levels, want)
save_buckets(0, caps, levels, lasts)
out[1] = grant
out[2] = tokenLevel
return out
