-- Per-minute token buckets in Redis, shared by the scripts that count rate limits (allowance.lua,
-- client_rate_admit.lua; quota.lua keeps its own bucket as long, by keep_ms): one hash per bucket
-- (level 'l', last refill 't' in ms), refilled continuously at capacity per 60 s. Redis scripts cannot include one another, so RedisStateStore
-- puts this text in place of a script's '--#include token_buckets.lua' line when it loads the
-- script (the SHA it runs by is that of the whole text). Kinds: 'r' requests (taken up front, one
-- per request), 't' tokens (charged after the answer, so a level may go negative).

-- The nb buckets KEYS[off + 1 .. off + nb], their capacity and kind in ARGV pairs from
-- ARGV[first]: refilled to now (a bucket not there yet is full), then what the replica reports
-- applied (requests of its allowance given back, up to capacity; tokens its answers used).
-- Returns caps, kinds, levels, lasts.
local function load_buckets(off, first, nb, now, returned, tokens)
  local caps, kinds, levels, lasts = {}, {}, {}, {}
  for i = 1, nb do
    caps[i] = tonumber(ARGV[first + 2 * i - 2])
    kinds[i] = ARGV[first + 2 * i - 1]
    local state = redis.call('HMGET', KEYS[off + i], 'l', 't')
    local level = tonumber(state[1])
    local last = tonumber(state[2])
    if level == nil then
      level = caps[i]
      last = now
    elseif now > last then
      level = math.min(caps[i], level + (now - last) * caps[i] / 60000)
      last = now
    end
    if kinds[i] == 'r' then
      level = math.min(caps[i], level + returned)
    else
      level = level - tokens
    end
    levels[i] = level
    lasts[i] = last
  end
  return caps, kinds, levels, lasts
end

-- Whether a bucket at level refuses one more request, as on one replica: a token bucket admits
-- while its level is positive, a request bucket while one request is left. Returns nil when it
-- admits, else the dimension and the ms until it would.
local function limited(kind, level, cap)
  if kind == 'r' and level < 1 then
    return 'requests', math.ceil((1 - level) * 60000 / cap)
  end
  if kind == 't' and level <= 0 then
    return 'tokens', math.max(1, math.ceil((0.001 - level) * 60000 / cap))
  end
  return nil
end

-- Takes one admitted request from every request bucket.
local function take_request(kinds, levels)
  for i = 1, #kinds do
    if kinds[i] == 'r' then
      levels[i] = levels[i] - 1
    end
  end
end

-- The allowance: up to want requests that every request bucket can spare, taken from them.
-- Returns it and the lowest token bucket's level rounded up (0 when not positive; -1 without
-- token buckets).
local function grant_requests(kinds, levels, want)
  local granted = want
  local tokenLevel = nil
  for i = 1, #kinds do
    if kinds[i] == 'r' then
      granted = math.min(granted, math.max(0, math.floor(levels[i])))
    else
      tokenLevel = math.min(tokenLevel or levels[i], levels[i])
    end
  end
  for i = 1, #kinds do
    if kinds[i] == 'r' then
      levels[i] = levels[i] - granted
    end
  end
  if tokenLevel == nil then
    return granted, -1
  end
  return granted, tokenLevel > 0 and math.ceil(tokenLevel) or 0
end

-- How long a bucket at level must be kept: until it has refilled to its capacity (a bucket not
-- there is taken as full, so it may go then), and at least two minutes. A bucket in debt (tokens
-- an answer used beyond what was left) is kept until the debt is paid: expiring it sooner would
-- forgive the debt, and a client pausing for two minutes could use any number of tokens.
local function keep_ms(level, cap)
  if cap <= 0 or level >= cap then
    return 120000
  end
  return math.max(120000, math.ceil((cap - level) * 60000 / cap) + 60000)
end

-- Writes the buckets back (KEYS[off + i]); a bucket left alone expires once it would be full.
local function save_buckets(off, caps, levels, lasts)
  for i = 1, #levels do
    redis.call('HSET', KEYS[off + i], 'l', tostring(levels[i]), 't', tostring(lasts[i]))
    redis.call('PEXPIRE', KEYS[off + i], keep_ms(levels[i], caps[i]))
  end
end
