-- Leases of a distributed semaphore (GlobalSemaphore): a sorted set of lease ids scored by their
-- expiry (epoch ms). A replica that dies stops renewing, so its leases drop out by themselves.
-- KEYS[1] the semaphore
-- KEYS[2] lease ids released while a renewal of theirs had no answer, scored by when they may be
--         forgotten (epoch ms)
-- ARGV[1] op: acquire | renew | release
-- ARGV[2] lease id
-- acquire: ARGV[3] now ms, ARGV[4] expiry ms, ARGV[5] cap, ARGV[6] lease ms -> 1 granted, 0 full
-- renew:   ARGV[3] new expiry ms, ARGV[4] lease ms
--                                    -> 1 renewed, 2 re-added (was gone), 0 released (not re-added)
-- release: ARGV[3] now ms, ARGV[4] remembered until ms (not after now: not remembered),
--          ARGV[5] ms until then                                           -> 1 released, 0 gone
-- A renewal re-adds a lease it finds gone (Redis restarted empty, or was out of reach for longer
-- than a lease), even when that puts the set over the cap: its request is running, so its slot is
-- counted again and new acquires wait until the set is under the cap.
-- A lease id released while a renewal of it had no answer is remembered (for a lease time after
-- the release): that renewal may still run after the release, and must not add the lease back.
-- Expiry scores are the gateway clock's; the key's own TTL is relative, so it does not depend on
-- Redis's clock agreeing with the gateway's.
local key = KEYS[1]
local op = ARGV[1]
local id = ARGV[2]

-- The set itself goes away a lease time after its last change, so an idle semaphore leaves
-- nothing behind.
local function keepForLease(leaseMs)
  if redis.call('PTTL', key) < tonumber(leaseMs) then
    redis.call('PEXPIRE', key, leaseMs)
  end
end

if op == 'acquire' then
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[3])
  if redis.call('ZCARD', key) < tonumber(ARGV[5]) then
    redis.call('ZADD', key, ARGV[4], id)
    keepForLease(ARGV[6])
    return 1
  end
  return 0
elseif op == 'renew' then
  if redis.call('ZSCORE', KEYS[2], id) then
    return 0
  end
  local added = redis.call('ZADD', key, ARGV[3], id)
  keepForLease(ARGV[4])
  if added == 1 then
    return 2
  end
  return 1
else
  if tonumber(ARGV[4]) > tonumber(ARGV[3]) then
    local released = KEYS[2]
    redis.call('ZREMRANGEBYSCORE', released, '-inf', ARGV[3])
    redis.call('ZADD', released, ARGV[4], id)
    if redis.call('PTTL', released) < tonumber(ARGV[5]) then
      redis.call('PEXPIRE', released, ARGV[5])
    end
  end
  return redis.call('ZREM', key, id)
end
