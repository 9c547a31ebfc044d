--[[
  Acknowledges finished messages: drops their lease and stored message.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV    pairs: id, delivery
  A stale delivery (its lease ran out and the message went to another worker) is
  left alone. Returns the number acknowledged.
]]
-- @include queue-helpers
local done = {}
local hasPriorities = redis.call('HLEN', KEYS[9]) > 0
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  local lost = lostCount(id)
  if lost + 1 == tonumber(ARGV[i + 1]) then
    done[#done + 1] = id
    if lost > 0 then
      redis.call('HDEL', KEYS[6], id)
    end
  end
end
if #done > 0 then
  redis.call('ZREM', KEYS[4], unpack(done))
  redis.call('HDEL', KEYS[5], unpack(done))
  if hasPriorities then
    redis.call('HDEL', KEYS[9], unpack(done))
  end
end
return #done
