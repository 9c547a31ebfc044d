--[[
  Gives a leased message back: a retry (new message, due at eta), a release at
  shutdown (unchanged, first in line), or a lost run (its process died: first in
  line, counted as a lost delivery, dead-lettered at maxDeliveries). A retry gives up
  its concurrency key's slot and waits for one again; the others keep theirs.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] now, ms
  ARGV[2] id
  ARGV[3] lease token
  ARGV[4] encoded message ('' keeps the stored one)
  ARGV[5] eta, ms (0 = now)
  ARGV[6] mode: 'retry', 'release' or 'lost'
  ARGV[7] maxDeliveries
  Returns 1, 2 when dead-lettered, or 0 when the lease is stale or no longer held (a
  repeated call, or a message dead-lettered meanwhile): it is not queued twice.
]]
-- @include queue-helpers
local now, id, eta, mode = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[5]), ARGV[6]
if not endLease(id, ARGV[3]) then
  return 0
end
if ARGV[4] ~= '' then
  storeBody(id, ARGV[4])
end
if mode == 'retry' then
  redis.call('HDEL', KEYS[6], id)
  releaseSlot(id)
elseif mode == 'lost' then
  local lost = countLost(id)
  if lost >= tonumber(ARGV[7]) then
    deadLetter(id, now, 'its process died ' .. lost .. ' times (maxDeliveries ' .. ARGV[7] .. ')')
    return 2
  end
end
if eta > now then
  redis.call('ZADD', KEYS[3], eta, id)
else
  makeReady(id, mode ~= 'retry')
end
signalWork()
return 1
