--[[
  Moves a leased message that cannot be processed to the dead-letter list.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] now, ms
  ARGV[2] id
  ARGV[3] lease token ('': a message no worker leases, dead-lettered by a tool)
  ARGV[4] raw message ('' = the stored one)
  ARGV[5] reason
  Returns 1, or 0 when the lease is stale or no longer held (a repeated call).
]]
-- @include queue-helpers
local now, id, lease = tonumber(ARGV[1]), ARGV[2], ARGV[3]
if lease ~= '' and not endLease(id, lease) then
  return 0
end
deadLetter(id, now, ARGV[5], ARGV[4])
return 1
