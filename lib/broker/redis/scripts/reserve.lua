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
  ARGV[5] lease token, unique per call and without '|': the messages returned are
          leased together, the token in <active>:leases (its deadline) and the ids in
          <active>:lease:<token> (settling takes an id and the token, extending the token)
  Run again with the same arguments, it returns the messages its first run leased (those
  not settled since), in id order.
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
-- A lease that ran out (its worker is gone): its ids come back, or are dead-lettered.
local function giveBack(id)
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
-- The earliest lease: while it has not run out (the usual case) none has, and it is the
-- wake-up time's candidate without a second look.
local earliest = redis.call('ZRANGE', LEASES, 0, 0, 'WITHSCORES')[2]
local anyRanOut = earliest ~= nil and tonumber(earliest) <= now
if anyRanOut then
  -- Its token is stale from now on: what its holder sends later does nothing. About a
  -- thousand ids a call, as before per-call leases; the rest go with the next reserve.
  local givenBack = 0
  for _, token in ipairs(redis.call('ZRANGEBYSCORE', LEASES, '-inf', now, 'LIMIT', 0, 100)) do
    if givenBack >= 1000 then
      break
    end
    redis.call('ZREM', LEASES, token)
    local leased = leasedIds(token)
    for _, id in ipairs(leased) do
      giveBack(id)
    end
    givenBack = givenBack + #leased
    redis.call('DEL', leaseSet(token))
  end
end
-- Leases of workers before per-call leases, one member per id.
local oldLeases = redis.call('EXISTS', KEYS[4]) == 1
if oldLeases then
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 1000)) do
    redis.call('ZREM', KEYS[4], member)
    giveBack(leasedId(member))
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
-- the reply) finds the lease of its first run by its token, and returns its ids again: a
-- second batch would stay leased, held by no one, until its lease ran out.
local deadline, token = now + leaseMs, ARGV[5]
local ids, again = {}, redis.call('ZSCORE', LEASES, token) ~= false
if again then
  ids = leasedIds(token)
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
    -- One lease for the call: a member per id in a sorted set cost a skiplist node each.
    redis.call('ZADD', LEASES, deadline, token)
    redis.call('SADD', leaseSet(token), unpack(ids))
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
if nextDue then
  out[1] = tonumber(nextDue)
end
local function wakeBy(deadlineText)
  local at = tonumber(deadlineText)
  if at and (out[1] == -1 or at < out[1]) then
    out[1] = at
  end
end
if anyRanOut then
  wakeBy(redis.call('ZRANGE', LEASES, 0, 0, 'WITHSCORES')[2])
else
  wakeBy(earliest)
  if #ids > 0 and not again then
    wakeBy(deadline)
  end
end
if oldLeases then
  wakeBy(redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')[2])
end
return out