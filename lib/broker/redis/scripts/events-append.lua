--[[
  Appends a batch of events to the capped event stream: one entry per event, then
  one approximate trim. One call per batch keeps the cost off the hot path.
  KEYS[1] the event stream
  ARGV[1] entries to keep (approximately: MAXLEN ~)
  ARGV[2..] events, JSON
  Returns the number of entries added.
]]
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], '*', 'e', ARGV[i])
end
redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[1])
return #ARGV - 1
