-- Route client rate limits (RoutingPolicy.rateLimits) counted in the shared store: per-minute token
-- buckets, one hash per limit and caller (levels 'l', last refill 't' in ms), refilled continuously.
-- KEYS[1] this request's marker (admit: it was admitted; charge: its tokens were charged), which
-- makes both idempotent by request id. KEYS[2..] the buckets, in the order of the ARGV pairs.
-- ARGV: mode ('admit' | 'charge'), nowMs, markerTtlMs, tokens (charge), then per bucket: capacity
-- per minute, kind ('r' requests | 't' tokens).
-- admit returns {1, '', 0, 0} admitted | {2, dimension, retryMs, bucket number} limited (nothing
-- taken); charge returns {1, '', 0, 0}.
local now = tonumber(ARGV[2])
local nb = #KEYS - 1
local function level(i)
  local cap = tonumber(ARGV[4 + 2 * i - 1])
  local state = redis.call('HMGET', KEYS[1 + i], 'l', 't')
  local l = tonumber(state[1])
  local last = tonumber(state[2])
  if l == nil then
    return cap, now
  end
  if now > last then
    l = math.min(cap, l + (now - last) * cap / 60000)
    last = now
  end
  return l, last
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {1, '', 0, 0}
end
if ARGV[1] == 'charge' then
  local tokens = tonumber(ARGV[4])
  for i = 1, nb do
    if ARGV[4 + 2 * i] == 't' then
      local l, last = level(i)
      redis.call('HSET', KEYS[1 + i], 'l', tostring(l - tokens), 't', tostring(last))
      redis.call('PEXPIRE', KEYS[1 + i], 120000)
    end
  end
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[3])
  return {1, '', 0, 0}
end
local levels = {}
for i = 1, nb do
  local cap = tonumber(ARGV[4 + 2 * i - 1])
  local l, last = level(i)
  levels[i] = {l, last}
  -- As in one replica: a token limit admits while its level is positive (tokens are charged after
  -- the answer), a request limit while one request is left.
  if ARGV[4 + 2 * i] == 't' and l <= 0 then
    return {2, 'tokens', math.max(1, math.ceil((0.001 - l) * 60000 / cap)), i}
  end
end
for i = 1, nb do
  local cap = tonumber(ARGV[4 + 2 * i - 1])
  if ARGV[4 + 2 * i] == 'r' and levels[i][1] < 1 then
    return {2, 'requests', math.ceil((1 - levels[i][1]) * 60000 / cap), i}
  end
end
for i = 1, nb do
  local l = levels[i][1]
  if ARGV[4 + 2 * i] == 'r' then
    l = l - 1
  end
  redis.call('HSET', KEYS[1 + i], 'l', tostring(l), 't', tostring(levels[i][2]))
  redis.call('PEXPIRE', KEYS[1 + i], 120000)
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[3])
return {1, '', 0, 0}
