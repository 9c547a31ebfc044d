--[[
  Leases up to `count` messages of one queue to a worker.
  Before that it gives back messages whose lease ran out (their worker is gone),
  dead-lettering those already delivered maxDeliveries times, and promotes the
  delayed messages that are due (a message with a concurrency key only when its key
  has a free slot; else it waits in its key's line).
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] now, ms
  ARGV[2] count
  ARGV[3] lease, ms
  ARGV[4] maxDeliveries
  ARGV[5] lease token, unique per call and without '|': each message returned is
          leased as the active-set member `id|token` (settling or extending the lease
          takes the id and the token)
  Run again with the same arguments, it returns the messages its first run leased.
  Returns { wakeAt, deadCount, deadId1, deadBody1, deadReason1, ..., id1, body1, delivery1, id2, ... }:
  the messages dead-lettered here (body false when none was stored), then those leased; wakeAt is the earliest eta or
  lease deadline left in the queue (-1 if none); a body is nil when the id has no
  stored message; delivery counts from 1. The wake token stays only while messages
  are left ready.
]]
-- @include queue-helpers
local now, count = tonumber(ARGV[1]), tonumber(ARGV[2])
local leaseMs, maxDeliveries = tonumber(ARGV[3]), tonumber(ARGV[4])

local dead = {}
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 1000)
for _, member in ipairs(expired) do
  -- Its token is stale from now on: what its holder sends later does nothing.
  redis.call('ZREM', KEYS[4], member)
  local id = leasedId(member)
  local lost = countLost(id)
  if lost >= maxDeliveries then
    local reason = 'delivered ' .. lost .. ' times without finishing (maxDeliveries ' .. maxDeliveries .. ')'
    dead[#dead + 1] = id
    dead[#dead + 1] = bodyOf(id)
    dead[#dead + 1] = reason
    deadLetter(id, now, reason)
  else
    makeReady(id, true)
  end
end

local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1000)
if #due > 0 then
  redis.call('ZREM', KEYS[3], unpack(due))
  for _, id in ipairs(due) do
    makeReady(id, false)
  end
end

-- A reserve run twice (ioredis sends a command again when its connection dropped before
-- the reply) finds the leases of its first run by their deadline and token, and returns
-- them again: a second batch would stay leased, held by no one, until its lease ran out.
local deadline, token = now + leaseMs, ARGV[5]
local ids, again = {}, false
local suffix = '|' .. token
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], deadline, deadline)) do
  if string.sub(member, -#suffix) == suffix then
    ids[#ids + 1] = leasedId(member)
    again = true
  end
end
if count > 0 and not again then
  local top = redis.call('ZPOPMIN', KEYS[2], count)
  for i = 1, #top, 2 do
    ids[#ids + 1] = top[i]
  end
  if #ids == 0 then
    -- No priorities (the usual case): the ready list's ids as they come.
    ids = redis.call('RPOP', KEYS[1], count) or {}
  elseif #ids < count then
    local rest = redis.call('RPOP', KEYS[1], count - #ids)
    if rest then
      for _, id in ipairs(rest) do
        ids[#ids + 1] = id
      end
    end
  end
end

local out = { -1, #dead / 3 }
for _, value in ipairs(dead) do
  out[#out + 1] = value
end
if #ids > 0 then
  if not again then
    -- The score as Redis would write the number (%.17g), made once rather than per member.
    local score = string.format('%.17g', deadline)
    local lease = {}
    for i, id in ipairs(ids) do
      lease[2 * i - 1] = score
      -- leaseMember(id, token), with the '|token' made once
      lease[2 * i] = id .. suffix
    end
    redis.call('ZADD', KEYS[4], unpack(lease))
  end
  local bodies = bodiesOf(ids)
  local lost = anyLost() and redis.call('HMGET', KEYS[6], unpack(ids)) or nil
  local o = #out
  for i = 1, #ids do
    out[o + 1] = ids[i]
    out[o + 2] = bodies[i]
    out[o + 3] = lost and asCount(lost[i]) + 1 or 1
    o = o + 3
  end
end
-- A token pushed while this worker was busy (its messages taken by this reserve) would
-- wake a waiter to find nothing: the token stays only while something is ready.
if redis.call('LLEN', KEYS[1]) > 0 or redis.call('ZCARD', KEYS[2]) > 0 then
  signalWork()
else
  redis.call('DEL', KEYS[7])
end

local nextDue = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')[2]
local nextLease = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')[2]
if nextDue then
  out[1] = tonumber(nextDue)
end
if nextLease and (out[1] == -1 or tonumber(nextLease) < out[1]) then
  out[1] = tonumber(nextLease)
end
return out
