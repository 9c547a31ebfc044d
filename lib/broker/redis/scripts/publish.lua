--[[
  Enqueues messages into one queue.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] now, ms
  ARGV[2..] groups of four: id, encoded message, eta (ms; 0 = now), priority (0-9)
  Returns the number of messages added. An id already stored is left as it is
  (a repeated taskId does not enqueue twice).
]]
-- @include queue-helpers
local now = tonumber(ARGV[1])
local added, wake = 0, false
local ready = {}
local firstDue = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')[2]
firstDue = firstDue and tonumber(firstDue) or math.huge
for i = 2, #ARGV, 4 do
  local id, eta, priority = ARGV[i], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  if redis.call('HSETNX', KEYS[5], id, ARGV[i + 1]) == 1 then
    added = added + 1
    if priority > 0 then
      redis.call('HSET', KEYS[9], id, priority)
    end
    if eta > now then
      redis.call('ZADD', KEYS[3], eta, id)
      if eta < firstDue then
        firstDue = eta
        wake = true
      end
    elseif priority > 0 then
      redis.call('ZADD', KEYS[2], priorityScore(priority, false), id)
      wake = true
    else
      ready[#ready + 1] = id
    end
  end
end
if #ready > 0 then
  redis.call('LPUSH', KEYS[1], unpack(ready))
  wake = true
end
if wake then
  signalWork()
end
return added
