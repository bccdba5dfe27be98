-- Settles a batch of reservations of one consumer (same periods and token buckets): each one's real
-- cost replaces what was reserved, its tokens are charged.
-- KEYS[1] open reservations, KEYS[2] day committed, KEYS[3] month committed, KEYS[4] day spent,
-- KEYS[5] month spent, KEYS[6..] token bucket hashes.
-- ARGV: nowMs, dayTtlMs, monthTtlMs, token bucket count nb, one capacity per token bucket, then per
--       reservation: id, cost, tokens.
-- A reservation settled before (or never made here) is left alone: settling is idempotent.
local now = tonumber(ARGV[1])
local nb = tonumber(ARGV[4])
local delta, spent, tokens = 0, 0, 0
for j = 5 + nb, #ARGV, 3 do
  local reserved = redis.call('HGET', KEYS[1], ARGV[j])
  if reserved then
    redis.call('HDEL', KEYS[1], ARGV[j])
    local cost = tonumber(ARGV[j + 1])
    delta = delta + cost - tonumber(reserved)
    spent = spent + cost
    tokens = tokens + tonumber(ARGV[j + 2])
  end
end
if delta ~= 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('INCRBY', KEYS[2], string.format('%d', delta))
end
if delta ~= 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('INCRBY', KEYS[3], string.format('%d', delta))
end
if spent > 0 then
  redis.call('INCRBY', KEYS[4], string.format('%d', spent))
  redis.call('PEXPIRE', KEYS[4], ARGV[2])
  redis.call('INCRBY', KEYS[5], string.format('%d', spent))
  redis.call('PEXPIRE', KEYS[5], ARGV[3])
end
if tokens > 0 then
  for i = 1, nb do
    local cap = tonumber(ARGV[4 + i])
    local state = redis.call('HMGET', KEYS[5 + i], 'l', 't')
    local level = tonumber(state[1]) or cap
    local last = tonumber(state[2]) or now
    if now > last then
      level = math.min(cap, level + (now - last) * cap / 60000)
      last = now
    end
    redis.call('HSET', KEYS[5 + i], 'l', tostring(level - tokens), 't', tostring(last))
    redis.call('PEXPIRE', KEYS[5 + i], 120000)
  end
end
return 1
