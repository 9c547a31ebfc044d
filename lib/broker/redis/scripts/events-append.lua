--[[
  Appends a flush of events to the capped event stream: each ARGV entry is a JSON array
  of up to 64 events, written as one stream entry (field `c`: encodeEventBatch), then one approximate trim
  that keeps about `maxLen` events (entries kept = maxLen x entries / events of this call).
  KEYS[1] the event stream
  ARGV[1] events to keep (approximately: MAXLEN ~)
  ARGV[2] how many events the entries below hold
  ARGV[3..] entries: JSON arrays of events
  Returns the number of entries added.
]]
for i = 3, #ARGV do
  redis.call('XADD', KEYS[1], '*', 'c', ARGV[i])
end
local entries = #ARGV - 2
local keep = math.ceil(tonumber(ARGV[1]) * entries / math.max(1, tonumber(ARGV[2])))
redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', keep)
return entries
