-- Admits a batch of requests of one consumer (same rate limits, budget periods and limits), one
-- after the other and atomically: for each, the rate buckets, then the budget reservation — all or
-- nothing per request, exactly as if each came in its own call.
-- KEYS[1] open reservations (hash id -> nano-USD), KEYS[2] day committed, KEYS[3] month committed,
-- KEYS[4..] one bucket hash per rate dimension, in the order of the bucket pairs in ARGV.
-- ARGV: nowMs, dayLimit (-1 none), monthLimit, reservationTtlMs, dayTtlMs, monthTtlMs, daySeed,
--       monthSeed, bucket count nb, then per bucket: capacity per minute, kind ('r' requests |
--       't' tokens), then per request: id, reserve.
-- Returns per request, flat: verdict (1 admitted | 2 rate limited | 3 budget exhausted), dimension,
-- retryMs, day, month.
local now = tonumber(ARGV[1])
local dayLimit = tonumber(ARGV[2])
local monthLimit = tonumber(ARGV[3])
-- A counter that vanished (Redis restarted empty) starts from what this replica last saw, never from
-- zero; NX makes the first replica's seed win, so reseeding never counts twice.
redis.call('SET', KEYS[2], ARGV[7], 'NX', 'PX', ARGV[5])
redis.call('SET', KEYS[3], ARGV[8], 'NX', 'PX', ARGV[6])
local day = tonumber(redis.call('GET', KEYS[2]))
local month = tonumber(redis.call('GET', KEYS[3]))
local nb = tonumber(ARGV[9])
local caps, kinds, levels, lasts = {}, {}, {}, {}
for i = 1, nb do
  caps[i] = tonumber(ARGV[9 + 2 * i - 1])
  kinds[i] = ARGV[9 + 2 * i]
  local state = redis.call('HMGET', KEYS[3 + i], 'l', 't')
  local level = tonumber(state[1])
  local last = tonumber(state[2])
  if level == nil then
    level = caps[i]
    last = now
  end
  if now > last then
    level = math.min(caps[i], level + (now - last) * caps[i] / 60000)
    last = now
  end
  levels[i] = level
  lasts[i] = last
end
local out = {}
local admitted = 0
local reserved = 0
local first = 10 + 2 * nb
for j = first, #ARGV, 2 do
  local id = ARGV[j]
  local reserve = tonumber(ARGV[j + 1])
  local verdict = nil
  if redis.call('HEXISTS', KEYS[1], id) == 1 then
    verdict = {1, '', 0, day, month}
  end
  if verdict == nil then
    for i = 1, nb do
      if kinds[i] == 'r' and levels[i] < 1 then
        verdict = {2, 'requests', math.ceil((1 - levels[i]) * 60000 / caps[i]), day, month}
        break
      end
      if kinds[i] == 't' and levels[i] <= 0 then
        verdict = {2, 'tokens', math.max(1, math.ceil((0.001 - levels[i]) * 60000 / caps[i])), day,
          month}
        break
      end
    end
  end
  if verdict == nil and dayLimit >= 0 and day + reserve > dayLimit then
    verdict = {3, 'day', 0, day, month}
  end
  if verdict == nil and monthLimit >= 0 and month + reserve > monthLimit then
    verdict = {3, 'month', 0, day, month}
  end
  if verdict == nil then
    for i = 1, nb do
      if kinds[i] == 'r' then
        levels[i] = levels[i] - 1
      end
    end
    day = day + reserve
    month = month + reserve
    reserved = reserved + reserve
    admitted = admitted + 1
    redis.call('HSET', KEYS[1], id, ARGV[j + 1])
    verdict = {1, '', 0, day, month}
  end
  for k = 1, 5 do
    out[#out + 1] = verdict[k]
  end
end
if admitted > 0 then
  for i = 1, nb do
    redis.call('HSET', KEYS[3 + i], 'l', tostring(levels[i]), 't', tostring(lasts[i]))
    redis.call('PEXPIRE', KEYS[3 + i], 120000)
  end
  redis.call('INCRBY', KEYS[2], string.format('%d', reserved))
  redis.call('INCRBY', KEYS[3], string.format('%d', reserved))
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return out
