-- One provider's committed-use counts for one calendar month (CommitmentLedger): a hash with two
-- fields per model, 't:<model>' tokens and 's:<model>' spend in nano-USD, shared by every replica.
-- KEYS[1] the month's hash, KEYS[2] the batch's marker (same hash tag)
-- ARGV[1] month ttl ms, ARGV[2] batch marker ttl ms, ARGV[3..] field, increment, field, increment…
-- A batch is added once: a replica that retries it after a lost answer sends the same batch id,
-- and the marker makes the retry a read. Without increments the script only reads.
-- Returns the hash's fields and values (HGETALL), the totals every replica's routing caches.
if #ARGV > 2 and redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then
  for i = 3, #ARGV, 2 do
    redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return redis.call('HGETALL', KEYS[1])
