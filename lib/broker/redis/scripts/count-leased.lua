--[[
  How many messages of a queue are leased to workers: the ids of every reserve call's
  lease, and the members of the active set written by workers before per-call leases.
  KEYS    the queue keys (includes/queue-helpers.lua)
  Returns the count.
]]
-- @include queue-helpers
local count = redis.call('ZCARD', KEYS[4])
for _, token in ipairs(redis.call('ZRANGE', LEASES, 0, -1)) do
  count = count + redis.call('SCARD', leaseSet(token))
end
return count
