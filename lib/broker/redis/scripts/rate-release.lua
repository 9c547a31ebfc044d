--[[
  After a rate change: moves the messages of one task that wait for a start slot in
  this queue from the delayed set back to the front of the queue, to take new slots at
  the new rate; messages delayed for other reasons (countdown, retry) stay. Does a
  bounded part of the work per call; the caller calls again while entries remain, so
  a large waiting set never holds Redis for long.
  The first call of a release (ARGV[4] '1') records the change's time for rate-wait.lua
  and sets the task's waiting index aside as this release's own (RENAME: O(1), its TTL
  kept). Messages parked from then on, with tickets at the new rate, wait in a fresh
  index: the release takes exactly those that waited at the change.
  KEYS    the queue keys (includes/queue-helpers.lua), then KEYS[11] the task's
          waiting index in this queue (see rate-wait.lua), KEYS[12] the queue's
          rate changes (hash task -> time of its last rate change), KEYS[13] this
          release's own index (a key of its own per release)
  ARGV[1] now, ms
  ARGV[2] the change's time (rate-reset.lua)
  ARGV[3] task name
  ARGV[4] '1' on a release's first call, '0' on the next ones
  ARGV[5] how many index entries to take at most in this call
  Returns { released, remaining }: the messages released by this call, and the index
  entries left for the next ones.
]]
-- @include queue-helpers
local now, budget = tonumber(ARGV[1]), tonumber(ARGV[5])
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[12], ARGV[3], ARGV[2])
  if redis.call('EXISTS', KEYS[11]) == 0 then
    return { 0, 0 }
  end
  redis.call('RENAME', KEYS[11], KEYS[13])
end
local entries = redis.call('ZRANGE', KEYS[13], 0, budget - 1, 'WITHSCORES')
local taken, released = {}, 0
for i = 1, #entries, 2 do
  local id = entries[i]
  taken[#taken + 1] = id
  -- An entry already due no longer waits here (reserve.lua promotes it when it comes due).
  if tonumber(entries[i + 1]) > now and redis.call('ZREM', KEYS[3], id) == 1 then
    pushReady(id, true)
    released = released + 1
  end
end
if #taken > 0 then
  redis.call('ZREM', KEYS[13], unpack(taken))
end
if released > 0 then
  signalWork()
end
return { released, redis.call('ZCARD', KEYS[13]) }
