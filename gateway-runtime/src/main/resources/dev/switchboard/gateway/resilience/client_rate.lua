-- Route client rate limits (RoutingPolicy.rateLimits) counted in the shared store: per-minute token
-- buckets, one hash per limit and caller (levels 'l', last refill 't' in ms), refilled continuously.
-- This script charges the tokens answers used (summed over a report interval) to the token buckets;
-- admissions are client_rate_admit.lua's. Sent once, never retried: nothing to de-duplicate.
-- KEYS the buckets, in the order of the ARGV pairs.
-- ARGV: nowMs, tokens, then per bucket: capacity per minute, kind ('r' requests | 't' tokens).
-- Returns 1.
local now = tonumber(ARGV[1])
local tokens = tonumber(ARGV[2])
for i = 1, #KEYS do
  if ARGV[2 + 2 * i] == 't' then
    local cap = tonumber(ARGV[2 + 2 * i - 1])
    local state = redis.call('HMGET', KEYS[i], 'l', 't')
    local l = tonumber(state[1])
    local last = tonumber(state[2])
    if l == nil then
      l = cap
      last = now
    elseif now > last then
      l = math.min(cap, l + (now - last) * cap / 60000)
      last = now
    end
    redis.call('HSET', KEYS[i], 'l', tostring(l - tokens), 't', tostring(last))
    redis.call('PEXPIRE', KEYS[i], 120000)
  end
end
return 1
