--[[
  Acknowledges finished messages: ends their lease and drops their stored message,
  freeing the slots of their concurrency keys for the next waiting messages.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV    pairs: id, lease token
  A stale lease (it ran out, and the message may have gone to another worker) is
  left alone. Returns the number acknowledged.
]]
-- @include queue-helpers
-- The leases still held. Usually all are: one ZADD NX of them adds none (it only looks each
-- member up; a ZMSCORE would format every score as text), and one ZREM ends them. A stale
-- one (its lease ran out) is absent: the ZADD adds it with the score -1, which no lease
-- has, a ZMSCORE then tells the added from the held, and the ZREM takes them all out again
-- within this script.
local ids, members, adds = {}, {}, {}
local n = 0
for i = 1, #ARGV, 2 do
  n = n + 1
  local member = leaseMember(ARGV[i], ARGV[i + 1])
  ids[n] = ARGV[i]
  members[n] = member
  adds[2 * n - 1] = '-1'
  adds[2 * n] = member
end
local done = {}
if n > 0 then
  local absent = redis.call('ZADD', KEYS[4], 'NX', unpack(adds))
  if absent == 0 then
    done = ids
  else
    local scores = redis.call('ZMSCORE', KEYS[4], unpack(members))
    for i, score in ipairs(scores) do
      if score ~= '-1' then
        done[#done + 1] = ARGV[2 * i - 1]
      end
    end
  end
  redis.call('ZREM', KEYS[4], unpack(members))
end
if #done > 0 then
  if keyedQueue() then
    local admitted = 0
    for _, id in ipairs(done) do
      admitted = admitted + dropKey(id)
    end
    if admitted > 0 then
      signalWork()
    end
  end
  dropBodies(done)
  if anyLost() then
    redis.call('HDEL', KEYS[6], unpack(done))
  end
  if redis.call('HLEN', KEYS[9]) > 0 then
    redis.call('HDEL', KEYS[9], unpack(done))
  end
end
return #done
