-- One consumer's counters on one replica's behalf (same rate limits, budget periods and limits),
-- atomically: first what the replica reports (settled spend, tokens, allowance it gives back),
-- then the requests waiting for an answer, each decided exactly as if it came alone and in order,
-- then an allowance the replica may admit from without asking (only when the limits leave room).
-- Invariant: committed = spent + every replica's held allowance + open reservations.
-- KEYS[1] day committed, KEYS[2] month committed, KEYS[3] day spent, KEYS[4] month spent,
-- KEYS[5..4+nb] one bucket hash per rate dimension, in the order of the bucket pairs in ARGV,
-- KEYS[5+nb] the replica's settlements record of the day (a hash: per group, the highest
-- settlement id applied).
-- ARGV: nowMs, dayLimit (-1 none), monthLimit, dayTtlMs, monthTtlMs, daySeed, monthSeed,
--       bucket count nb, then per bucket: capacity per minute, kind ('r' requests | 't' tokens),
--       then: wantRequests, wantBudget (allowance asked for), returnRequests, release (nano-USD of
--       held allowance given back), spent, tokens (settled since the last report), daySpentSeed,
--       monthSpentSeed, settlement id (0: nothing settled), charge (nano-USD of costs above their
--       reservations), the group's field in the settlements record, its TTL in ms, then per
--       waiting request: reserve.
-- A settlement (spent, tokens, charge) whose id is not above the highest the group had applied
-- is one applied before whose reply was lost: it is skipped, so a retry never counts twice.
-- Returns, flat: grantedRequests, grantedBudget, day, month, tokenLevel (the lowest token bucket,
-- rounded up; 0 when empty; -1 without token buckets), daySpent, monthSpent, then per waiting
-- request: verdict (1 admitted | 2 rate limited | 3 budget exhausted), dimension, retryMs.
--#include token_buckets.lua
local now = tonumber(ARGV[1])
local dayLimit = tonumber(ARGV[2])
local monthLimit = tonumber(ARGV[3])
-- A counter that vanished (Redis restarted empty) starts from what this replica last saw, never from
-- zero; NX makes the first replica's seed win, so reseeding never counts twice.
redis.call('SET', KEYS[1], ARGV[6], 'NX', 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[7], 'NX', 'PX', ARGV[5])
local nb = tonumber(ARGV[8])
local p = 9 + 2 * nb
local wantRequests = tonumber(ARGV[p])
local wantBudget = tonumber(ARGV[p + 1])
local returnRequests = tonumber(ARGV[p + 2])
local release = tonumber(ARGV[p + 3])
local spent = tonumber(ARGV[p + 4])
local tokens = tonumber(ARGV[p + 5])
local settlement = tonumber(ARGV[p + 8])
local charge = tonumber(ARGV[p + 9])
if settlement > 0 then
  local settledKey = KEYS[5 + nb]
  local applied = tonumber(redis.call('HGET', settledKey, ARGV[p + 10]) or '0')
  if settlement <= applied then
    spent = 0
    tokens = 0
    charge = 0
  else
    redis.call('HSET', settledKey, ARGV[p + 10], ARGV[p + 8])
    redis.call('PEXPIRE', settledKey, ARGV[p + 11])
  end
end
-- Spend counters come back the same way (only where something was spent: none is made for 0).
if tonumber(ARGV[p + 6]) > 0 then
  redis.call('SET', KEYS[3], ARGV[p + 6], 'NX', 'PX', ARGV[4])
end
if tonumber(ARGV[p + 7]) > 0 then
  redis.call('SET', KEYS[4], ARGV[p + 7], 'NX', 'PX', ARGV[5])
end
local committed = charge - release
if spent > 0 then
  redis.call('INCRBY', KEYS[3], string.format('%d', spent))
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  redis.call('INCRBY', KEYS[4], string.format('%d', spent))
  redis.call('PEXPIRE', KEYS[4], ARGV[5])
end
local day = tonumber(redis.call('GET', KEYS[1])) + committed
local month = tonumber(redis.call('GET', KEYS[2])) + committed
local caps, kinds, levels, lasts = load_buckets(4, 9, nb, now, returnRequests, tokens)
local out = {0, 0, 0, 0, -1, 0, 0}
for j = p + 12, #ARGV do
  local reserve = tonumber(ARGV[j])
  local verdict = nil
  for i = 1, nb do
    local dimension, retryMs = limited(kinds[i], levels[i], caps[i])
    if dimension ~= nil then
      verdict = {2, dimension, retryMs}
      break
    end
  end
  if verdict == nil and dayLimit >= 0 and day + reserve > dayLimit then
    verdict = {3, 'day', 0}
  end
  if verdict == nil and monthLimit >= 0 and month + reserve > monthLimit then
    verdict = {3, 'month', 0}
  end
  if verdict == nil then
    take_request(kinds, levels)
    day = day + reserve
    month = month + reserve
    verdict = {1, '', 0}
  end
  for k = 1, 3 do
    out[#out + 1] = verdict[k]
  end
end
-- The allowance: requests every request bucket can spare, budget both periods can spare.
local grantRequests, tokenLevel = grant_requests(kinds, levels, wantRequests)
local grantBudget = wantBudget
if dayLimit >= 0 then
  grantBudget = math.min(grantBudget, dayLimit - day)
end
if monthLimit >= 0 then
  grantBudget = math.min(grantBudget, monthLimit - month)
end
grantBudget = math.max(0, grantBudget)
day = day + grantBudget
month = month + grantBudget
save_buckets(4, caps, levels, lasts)
local dayDelta = day - tonumber(redis.call('GET', KEYS[1]))
if dayDelta ~= 0 then
  redis.call('INCRBY', KEYS[1], string.format('%d', dayDelta))
  redis.call('INCRBY', KEYS[2], string.format('%d', dayDelta))
end
out[1] = grantRequests
out[2] = grantBudget
out[3] = day
out[4] = month
out[5] = tokenLevel
out[6] = tonumber(redis.call('GET', KEYS[3]) or '0')
out[7] = tonumber(redis.call('GET', KEYS[4]) or '0')
return out
