--[[
  Acknowledges finished messages: ends their lease and drops their stored message,
  freeing the slots of their concurrency keys for the next waiting messages.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV    pairs: id, lease token
  A stale lease (it ran out, and the message may have gone to another worker) is
  left alone. Returns the number acknowledged.
]]
-- @include queue-helpers
-- The leases still held, found with one ZMSCORE and ended with one ZREM (not a ZREM each).
local members = {}
for i = 1, #ARGV, 2 do
  members[#members + 1] = leaseMember(ARGV[i], ARGV[i + 1])
end
local done, held = {}, {}
if #members > 0 then
  local scores = redis.call('ZMSCORE', KEYS[4], unpack(members))
  for i, score in ipairs(scores) do
    if score then
      held[#held + 1] = members[i]
      done[#done + 1] = ARGV[2 * i - 1]
    end
  end
end
if #held > 0 then
  redis.call('ZREM', KEYS[4], unpack(held))
end
if #done > 0 then
  if keyedQueue() then
    local admitted = 0
    for _, id in ipairs(done) do
      admitted = admitted + dropKey(id)
    end
    if admitted > 0 then
      signalWork()
    end
  end
  dropBodies(done)
  redis.call('HDEL', KEYS[6], unpack(done))
  if redis.call('HLEN', KEYS[9]) > 0 then
    redis.call('HDEL', KEYS[9], unpack(done))
  end
end
return #done
