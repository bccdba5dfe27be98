-- The shared bucket functions of token_buckets.lua alone, for RedisStateStoreTest.
-- KEYS the buckets. ARGV: nowMs, returned, tokens, takes (admitted requests), want, then per
-- bucket: capacity per minute, kind.
-- Returns: granted, tokenLevel, then per bucket after the takes: level (as text), the dimension it
-- limits ('' when it admits), retryMs.
--#include token_buckets.lua
local nb = #KEYS
local caps, kinds, levels, lasts =
  load_buckets(0, 6, nb, tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
for t = 1, tonumber(ARGV[4]) do
  take_request(kinds, levels)
end
local out = {0, 0}
for i = 1, nb do
  local dimension, retryMs = limited(kinds[i], levels[i], caps[i])
  out[#out + 1] = tostring(levels[i])
  out[#out + 1] = dimension or ''
  out[#out + 1] = retryMs or 0
end
out[1], out[2] = grant_requests(kinds, levels, tonumber(ARGV[5]))
save_buckets(0, caps, levels, lasts)
return out
