--[[
  Enqueues one message of a unique task unless another with the same lock is still
  queued or running (its message still stored); a lock whose holder is gone, or is the
  revoked holder named by ARGV[7], is taken over.
  KEYS    the queue keys (includes/queue-helpers.lua), then KEYS[11] the lock
  ARGV[1] now, ms
  ARGV[2] id
  ARGV[3] encoded message
  ARGV[4] eta (ms; 0 = now)
  ARGV[5] priority (0-9)
  ARGV[6] lock ttl, ms
  ARGV[7] id of a holder known to be revoked ('' = none)
  ARGV[8] concurrency key ('<limit>|<key>', '' for none)
  Returns the id that holds the lock: ARGV[2] when enqueued, else the existing task's.
]]
-- @include queue-helpers
local now, id = tonumber(ARGV[1]), ARGV[2]
local holder = redis.call('GET', KEYS[11])
if holder and holder ~= id and holder ~= ARGV[7] and isStored(holder) then
  return holder
end
if enqueueOne(id, ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), now, ARGV[8]) then
  redis.call('SET', KEYS[11], id, 'PX', ARGV[6])
end
return id
