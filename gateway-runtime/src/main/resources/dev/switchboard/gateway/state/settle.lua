-- Settles one reservation: its real cost replaces what was reserved, its tokens are charged.
-- KEYS[1] open reservations, KEYS[2] day committed, KEYS[3] month committed, KEYS[4] day spent,
-- KEYS[5] month spent, KEYS[6..] token bucket hashes.
-- ARGV: id, nowMs, cost, tokens, dayTtlMs, monthTtlMs, then one capacity per token bucket.
-- A reservation settled before (or never made here) is left alone: settling is idempotent.
local reserved = redis.call('HGET', KEYS[1], ARGV[1])
if not reserved then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
local cost = tonumber(ARGV[3])
local delta = cost - tonumber(reserved)
if delta ~= 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('INCRBY', KEYS[2], string.format('%d', delta))
end
if delta ~= 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('INCRBY', KEYS[3], string.format('%d', delta))
end
if cost > 0 then
  redis.call('INCRBY', KEYS[4], ARGV[3])
  redis.call('PEXPIRE', KEYS[4], ARGV[5])
  redis.call('INCRBY', KEYS[5], ARGV[3])
  redis.call('PEXPIRE', KEYS[5], ARGV[6])
end
local tokens = tonumber(ARGV[4])
local now = tonumber(ARGV[2])
if tokens > 0 then
  for i = 6, #KEYS do
    local cap = tonumber(ARGV[6 + i - 5])
    local state = redis.call('HMGET', KEYS[i], 'l', 't')
    local level = tonumber(state[1]) or cap
    local last = tonumber(state[2]) or now
    if now > last then
      level = math.min(cap, level + (now - last) * cap / 60000)
      last = now
    end
    redis.call('HSET', KEYS[i], 'l', tostring(level - tokens), 't', tostring(last))
    redis.call('PEXPIRE', KEYS[i], 120000)
  end
end
return 1
