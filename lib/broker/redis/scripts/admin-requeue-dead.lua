--[[
  Moves one dead letter back into its queue, ready to run now.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] the dead-letter entry, exactly as stored in the dead list
  ARGV[2] id
  ARGV[3] encoded message to enqueue
  ARGV[4] priority (0-9)
  ARGV[5] concurrency key ('<limit>|<key>', '' for none)
  Returns 1 when requeued, 0 when the entry is gone (requeued or deleted meanwhile),
  -1 when a message with that id is already queued (the entry is kept).
]]
-- @include queue-helpers
local id, priority = ARGV[2], tonumber(ARGV[4])
if isStored(id) then
  return -1
end
if redis.call('LREM', KEYS[8], 1, ARGV[1]) == 0 then
  return 0
end
storeBody(id, ARGV[3])
redis.call('HDEL', KEYS[6], id)
if priority > 0 then
  redis.call('HSET', KEYS[9], id, priority)
end
if ARGV[5] ~= '' then
  setKeyOf(id, ARGV[5])
end
makeReady(id, false)
signalWork()
return 1
