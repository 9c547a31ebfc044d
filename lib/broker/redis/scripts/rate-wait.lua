--[[
  Puts a leased message of a rate-limited task back to wait for its start slot:
  into the delayed set until `eta`, and into the task's waiting index of this queue
  (so a rate change can bring it back early). It holds no lease while it waits.
  A message whose ticket predates the task's last rate change (it was between a
  worker and Redis while rate-release.lua ran) goes back to the front of the queue
  instead, to take a slot at the new rate.
  KEYS    the queue keys (includes/queue-helpers.lua), then KEYS[11] the task's
          waiting index in this queue (sorted set of ids by eta), KEYS[12] the
          queue's rate changes (hash task -> time of its last rate change)
  ARGV[1] now, ms
  ARGV[2] id
  ARGV[3] lease token
  ARGV[4] encoded message (it carries its slot ticket)
  ARGV[5] eta, ms
  ARGV[6] the ticket's issue time
  ARGV[7] task name
  Returns 1 when parked, 2 when sent back for a new slot, 0 when the lease is stale.
]]
-- @include queue-helpers
local now, id, eta = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[5])
if not endLease(id, ARGV[3]) then
  return 0
end
storeBody(id, ARGV[4])
redis.call('HDEL', KEYS[6], id)
if tonumber(redis.call('HGET', KEYS[12], ARGV[7]) or '0') > tonumber(ARGV[6]) then
  pushReady(id, true)
  signalWork()
  return 2
end
redis.call('ZADD', KEYS[3], eta, id)
redis.call('ZADD', KEYS[11], eta, id)
-- Entries already due are no longer waiting here: keep the index to the waiting ones,
-- a bounded number per call (the index's TTL ends whatever is left).
local due = redis.call('ZRANGEBYSCORE', KEYS[11], '-inf', now, 'LIMIT', 0, 100)
if #due > 0 then
  redis.call('ZREM', KEYS[11], unpack(due))
end
local furthest = redis.call('ZRANGE', KEYS[11], -1, -1, 'WITHSCORES')[2]
redis.call('PEXPIRE', KEYS[11], math.ceil(math.max(tonumber(furthest or eta), eta) - now) + 60000)
signalWork()
return 1
