--[[
  Gives a leased message back: a retry (new message, due at eta) or a release at
  shutdown (unchanged, first in line).
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] now, ms
  ARGV[2] id
  ARGV[3] delivery
  ARGV[4] encoded message ('' keeps the stored one)
  ARGV[5] eta, ms (0 = now)
  ARGV[6] '1': first in line and keep the delivery count (release); '0': a retry
  Returns 1, or 0 when the delivery is stale.
]]
-- @include queue-helpers
local now, id, eta = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[5])
local release = ARGV[6] == '1'
if not isCurrentDelivery(id, tonumber(ARGV[3])) then
  return 0
end
redis.call('ZREM', KEYS[4], id)
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[5], id, ARGV[4])
end
if not release then
  redis.call('HDEL', KEYS[6], id)
end
if eta > now then
  redis.call('ZADD', KEYS[3], eta, id)
else
  pushReady(id, release)
end
signalWork()
return 1
