--[[
  Moves a leased message that cannot be processed to the dead-letter list.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] now, ms
  ARGV[2] id
  ARGV[3] delivery (0: do not check)
  ARGV[4] raw message ('' = the stored one)
  ARGV[5] reason
  Returns 1, or 0 when the delivery is stale or no longer leased (a repeated call).
]]
-- @include queue-helpers
local now, id, delivery = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
if delivery > 0 and not isCurrentDelivery(id, delivery) then
  return 0
end
if redis.call('ZREM', KEYS[4], id) == 0 and delivery > 0 then
  return 0
end
deadLetter(id, now, ARGV[5], ARGV[4])
return 1
