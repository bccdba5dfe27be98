-- Fails on purpose below its fragment, for RedisStateStoreTest: Redis reports the line of the
-- composed text it ran, the store's log also the line of this file.
--#include token_buckets.lua
local missing = nil
return missing.field
