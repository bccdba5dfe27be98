-- Admits one request of a consumer, atomically: rate buckets, then the budget reservation.
-- KEYS[1] open reservations (hash id -> nano-USD), KEYS[2] day committed, KEYS[3] month committed,
-- KEYS[4..] one bucket hash per rate dimension, in the order of the ARGV pairs.
-- ARGV: id, nowMs, reserve, dayLimit (-1 none), monthLimit, reservationTtlMs, dayTtlMs, monthTtlMs,
--       daySeed, monthSeed, then per bucket: capacity per minute, kind ('r' requests | 't' tokens).
-- Returns {verdict (1 admitted | 2 rate limited | 3 budget exhausted), dimension, retryMs, day, month}.
local id = ARGV[1]
local now = tonumber(ARGV[2])
local reserve = tonumber(ARGV[3])
local dayLimit = tonumber(ARGV[4])
local monthLimit = tonumber(ARGV[5])
-- A counter that vanished (Redis restarted empty) starts from what this replica last saw, never from
-- zero; NX makes the first replica's seed win, so reseeding never counts twice.
redis.call('SET', KEYS[2], ARGV[9], 'NX', 'PX', ARGV[7])
redis.call('SET', KEYS[3], ARGV[10], 'NX', 'PX', ARGV[8])
local day = tonumber(redis.call('GET', KEYS[2]))
local month = tonumber(redis.call('GET', KEYS[3]))
if redis.call('HEXISTS', KEYS[1], id) == 1 then
  return {1, '', 0, day, month}
end
local levels = {}
local nb = #KEYS - 3
for i = 1, nb do
  local cap = tonumber(ARGV[10 + 2 * i - 1])
  local kind = ARGV[10 + 2 * i]
  local state = redis.call('HMGET', KEYS[3 + i], 'l', 't')
  local level = tonumber(state[1])
  local last = tonumber(state[2])
  if level == nil then
    level = cap
    last = now
  end
  if now > last then
    level = math.min(cap, level + (now - last) * cap / 60000)
    last = now
  end
  if kind == 'r' and level < 1 then
    return {2, 'requests', math.ceil((1 - level) * 60000 / cap), day, month}
  end
  if kind == 't' and level <= 0 then
    return {2, 'tokens', math.max(1, math.ceil((0.001 - level) * 60000 / cap)), day, month}
  end
  levels[i] = {level, last}
end
if dayLimit >= 0 and day + reserve > dayLimit then
  return {3, 'day', 0, day, month}
end
if monthLimit >= 0 and month + reserve > monthLimit then
  return {3, 'month', 0, day, month}
end
for i = 1, nb do
  local level = levels[i][1]
  if ARGV[10 + 2 * i] == 'r' then
    level = level - 1
  end
  redis.call('HSET', KEYS[3 + i], 'l', tostring(level), 't', tostring(levels[i][2]))
  redis.call('PEXPIRE', KEYS[3 + i], 120000)
end
redis.call('INCRBY', KEYS[2], ARGV[3])
redis.call('INCRBY', KEYS[3], ARGV[3])
redis.call('HSET', KEYS[1], id, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return {1, '', 0, day + reserve, month + reserve}
