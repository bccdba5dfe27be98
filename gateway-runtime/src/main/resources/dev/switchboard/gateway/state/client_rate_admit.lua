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
local now = tonumber(ARGV[1])
local m = tonumber(ARGV[2])
local returned = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local tokens = tonumber(ARGV[5])
local nb = #KEYS
local caps, kinds, levels, lasts = {}, {}, {}, {}
for i = 1, nb do
  caps[i] = tonumber(ARGV[5 + 2 * i - 1])
  kinds[i] = ARGV[5 + 2 * i]
  local state = redis.call('HMGET', KEYS[i], 'l', 't')
  local l = tonumber(state[1])
  local last = tonumber(state[2])
  if l == nil then
    l = caps[i]
    last = now
  elseif now > last then
    l = math.min(caps[i], l + (now - last) * caps[i] / 60000)
    last = now
  end
  if kinds[i] == 'r' then
    l = math.min(caps[i], l + returned)
  else
    l = l - tokens
  end
  levels[i] = l
  lasts[i] = last
end
local out = {0, -1}
for r = 1, m do
  local res = nil
  -- As in one replica: a token limit admits while its level is positive (tokens are charged after
  -- the answer), a request limit while one request is left.
  for i = 1, nb do
    if kinds[i] == 't' and levels[i] <= 0 then
      res = {2, 'tokens', math.max(1, math.ceil((0.001 - levels[i]) * 60000 / caps[i])), i}
      break
    end
  end
  if res == nil then
    for i = 1, nb do
      if kinds[i] == 'r' and levels[i] < 1 then
        res = {2, 'requests', math.ceil((1 - levels[i]) * 60000 / caps[i]), i}
        break
      end
    end
  end
  if res == nil then
    for i = 1, nb do
      if kinds[i] == 'r' then
        levels[i] = levels[i] - 1
      end
    end
    res = {1, '', 0, 0}
  end
  for _, v in ipairs(res) do
    out[#out + 1] = v
  end
end
-- The allowance: what every request bucket can spare.
local grant = want
local tokenLevel = nil
for i = 1, nb do
  if kinds[i] == 'r' then
    grant = math.min(grant, math.max(0, math.floor(levels[i])))
  else
    tokenLevel = math.min(tokenLevel or levels[i], levels[i])
  end
end
for i = 1, nb do
  if kinds[i] == 'r' then
    levels[i] = levels[i] - grant
  end
  redis.call('HSET', KEYS[i], 'l', tostring(levels[i]), 't', tostring(lasts[i]))
  redis.call('PEXPIRE', KEYS[i], 120000)
end
out[1] = grant
if tokenLevel ~= nil then
  out[2] = tokenLevel > 0 and math.ceil(tokenLevel) or 0
end
return out
