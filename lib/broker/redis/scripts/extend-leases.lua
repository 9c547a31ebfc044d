--[[
  Extends the leases a worker holds while their tasks run.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] the new lease deadline, ms
  ARGV[2..] pairs: id, lease token
  A stale lease (it ran out, or the message was settled; the message may be another
  worker's now) is not held any more, and is left alone. Returns the number extended.
]]
-- @include queue-helpers
local deadline = tonumber(ARGV[1])
local lease = {}
for i = 2, #ARGV, 2 do
  lease[#lease + 1] = deadline
  lease[#lease + 1] = leaseMember(ARGV[i], ARGV[i + 1])
end
return redis.call('ZADD', KEYS[4], 'XX', 'CH', unpack(lease))
