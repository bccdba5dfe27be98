-- Admissions of m requests to the same route client rate-limit buckets, in one run: each request in
-- turn exactly as if it came alone, the buckets read once and written once. A run is sent once and
-- never retried (a failure falls back to the replica's own buckets), so no per-request marker is
-- kept.
-- KEYS the buckets, in the order of the ARGV pairs.
-- ARGV: nowMs, m, then per bucket: capacity per minute, kind ('r' | 't').
-- Returns 4 values per request: {1, '', 0, 0} admitted | {2, dimension, retryMs, bucket number}.
local now = tonumber(ARGV[1])
local m = tonumber(ARGV[2])
local nb = #KEYS
local caps, kinds, levels, lasts = {}, {}, {}, {}
for i = 1, nb do
  caps[i] = tonumber(ARGV[2 + 2 * i - 1])
  kinds[i] = ARGV[2 + 2 * i]
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
  levels[i] = l
  lasts[i] = last
end
local out = {}
local taken = false
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
    taken = true
    res = {1, '', 0, 0}
  end
  for _, v in ipairs(res) do
    out[#out + 1] = v
  end
end
if taken then
  for i = 1, nb do
    redis.call('HSET', KEYS[i], 'l', tostring(levels[i]), 't', tostring(lasts[i]))
    redis.call('PEXPIRE', KEYS[i], 120000)
  end
end
return out
