-- Takes units of a provider quota for one replica (SharedQuota), atomically: a token bucket of
-- `perMinute` units refilled continuously over a minute, like the per-replica quota bucket.
-- KEYS[1] the bucket hash {l = level, t = last refill ms}, KEYS[2] sorted set of replicas by last use.
-- ARGV: nowMs, perMinute, owed (units already spent: charged first, the level may go negative;
--       negative: units a replica held and gives back, the level at most perMinute),
--       want (units to grant, whole ones while at least one is left), holder (the replica's id).
-- Returns {granted, replicas that used the quota in the last minute}.
--#include token_buckets.lua
local now = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local owed = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'l', 't')
local level = tonumber(state[1]) or cap
local last = tonumber(state[2]) or now
if now > last then
  level = math.min(cap, level + (now - last) * cap / 60000)
  last = now
end
level = math.min(cap, level - owed)
local granted = 0
if want > 0 and level >= 1 then
  granted = math.min(want, math.floor(level))
  level = level - granted
end
redis.call('HSET', KEYS[1], 'l', tostring(level), 't', tostring(last))
-- Kept until refilled (units spent beyond the quota are a debt that expiring sooner would forgive).
redis.call('PEXPIRE', KEYS[1], keep_ms(level, cap))
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 60000)
redis.call('PEXPIRE', KEYS[2], 120000)
return {granted, redis.call('ZCARD', KEYS[2])}
