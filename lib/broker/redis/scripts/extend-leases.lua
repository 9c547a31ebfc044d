--[[
  Extends the leases a worker holds while their tasks run.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] the new lease deadline, ms
  ARGV[2..] pairs: id, lease token
  A stale lease (it ran out and was given back; its messages may be another worker's now)
  is not held any more, and is left alone. Returns the number of leases extended (one per
  reserve call, whatever its ids).
]]
-- @include queue-helpers
-- A lease is its reserve call's: extending one of its ids extends the others it still
-- holds, all of them this worker's.
local deadline = ARGV[1]
local seen, tokens = {}, {}
for i = 3, #ARGV, 2 do
  local token = ARGV[i]
  if not seen[token] then
    seen[token] = true
    tokens[#tokens + 1] = deadline
    tokens[#tokens + 1] = token
  end
end
if #tokens == 0 then
  return 0
end
return redis.call('ZADD', LEASES, 'XX', 'CH', unpack(tokens))
