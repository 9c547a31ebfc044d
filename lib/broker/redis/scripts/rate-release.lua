--[[
  After a rate change: moves the messages of one task that wait for a start slot in
  this queue from the delayed set back to the front of the queue, to take new slots
  at the new rate, and records the change's time for rate-wait.lua. Messages
  delayed for other reasons (countdown, retry) stay.
  KEYS    the queue keys (includes/queue-helpers.lua), then KEYS[11] the task's
          waiting index in this queue (see rate-wait.lua), KEYS[12] the queue's
          rate changes (hash task -> time of its last rate change)
  ARGV[1] now, ms
  ARGV[2] the change's time (rate-reset.lua)
  ARGV[3] task name
  Returns the number of messages released.
]]
-- @include queue-helpers
local now = tonumber(ARGV[1])
redis.call('HSET', KEYS[12], ARGV[3], ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[11], '(' .. now, '+inf')
local released = 0
for _, id in ipairs(ids) do
  if redis.call('ZREM', KEYS[3], id) == 1 then
    pushReady(id, true)
    released = released + 1
  end
end
redis.call('DEL', KEYS[11])
if released > 0 then
  signalWork()
end
return released
