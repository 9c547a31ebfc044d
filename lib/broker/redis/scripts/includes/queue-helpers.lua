-- Helpers shared by the queue scripts. Every queue script takes the same KEYS:
--   1 ready     list of ids at priority 0 (LPUSH in, RPOP out)
--   2 prio      sorted set of ids with a priority (lower score first)
--   3 delayed   sorted set of ids by eta (ms)
--   4 active    sorted set of leases by deadline (ms): members are `id|token`, a token no
--               other delivery of the id has (reserve.lua); who presents it holds the lease
--   5 messages  hash id -> encoded message
--   6 lost      hash id -> deliveries whose lease ran out
--   7 wake      list holding one token while there may be work (workers BLPOP it)
--   8 dead      list of dead letters (JSON), newest first
--   9 pri       hash id -> priority, for ids with a priority
--  10 seq       counter that keeps FIFO order within a priority

local BAND = 8796093022208 -- 2^43; priority bands never overlap since seq stays below 2^42
local DEAD_LETTERS_KEPT = 10000

local function signalWork()
  if redis.call('LLEN', KEYS[7]) == 0 then
    redis.call('RPUSH', KEYS[7], '1')
  end
end

-- Redis holds only strings: anything written there by hand may be garbage. Counts and
-- priorities read back are sanitised so that one bad value fails no script.
local function asCount(value)
  local n = tonumber(value)
  if not n or n ~= n or n < 0 or n == math.huge then
    return 0
  end
  return math.floor(n)
end

-- Deliveries of `id` whose lease ran out or whose process died.
local function lostCount(id)
  return asCount(redis.call('HGET', KEYS[6], id))
end

-- Counts one more lost delivery of `id`; returns the new count.
local function countLost(id)
  local lost = lostCount(id) + 1
  redis.call('HSET', KEYS[6], id, lost)
  return lost
end

-- The priority of `id` (0 to 9; 0 when it has none).
local function priorityOf(id)
  return math.min(9, asCount(redis.call('HGET', KEYS[9], id)))
end

local function nextSeq()
  local seq = redis.pcall('INCR', KEYS[10])
  if type(seq) == 'table' then
    -- not an integer any more: start the counter again rather than fail every publish
    redis.call('SET', KEYS[10], 1)
    return 1
  end
  return seq
end

local function priorityScore(priority, front)
  local seq = nextSeq()
  if front then
    return (10 - priority) * BAND - seq
  end
  return (10 - priority) * BAND + seq
end

-- Makes `id` ready to fetch: the priority set when it has one, else the ready list.
-- `front` puts it first in line (a message given back), else last.
local function pushReady(id, front)
  local priority = priorityOf(id)
  if priority > 0 then
    redis.call('ZADD', KEYS[2], priorityScore(priority, front), id)
  elseif front then
    redis.call('RPUSH', KEYS[1], id)
  else
    redis.call('LPUSH', KEYS[1], id)
  end
end

-- Stores a new message and schedules it: delayed, prioritised, or (priority 0, due now)
-- appended to `readyBatch` for one LPUSH by the caller. Returns false when the id exists,
-- else true and whether waiting workers should be woken.
local function enqueueNew(id, body, eta, priority, now, readyBatch, firstDue)
  if redis.call('HSETNX', KEYS[5], id, body) == 0 then
    return false, false
  end
  if priority > 0 then
    redis.call('HSET', KEYS[9], id, priority)
  end
  if eta > now then
    redis.call('ZADD', KEYS[3], eta, id)
    return true, eta < firstDue
  end
  if priority > 0 then
    redis.call('ZADD', KEYS[2], priorityScore(priority, false), id)
  else
    readyBatch[#readyBatch + 1] = id
  end
  return true, true
end

local function firstDueTime()
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')[2]
  return first and tonumber(first) or math.huge
end

-- The active-set member of the lease with token `lease` on `id`. A lease that ran out or
-- was settled is no longer a member: its token is stale, and what presents it does nothing.
local function leaseMember(id, lease)
  return id .. '|' .. lease
end

-- The id an active-set member leases: what precedes its last '|' (tokens have none; a
-- member without one, written by hand, is taken as an id).
local function leasedId(member)
  local bar = string.find(member, '|[^|]*$')
  if bar then
    return string.sub(member, 1, bar - 1)
  end
  return member
end

-- Ends the lease `lease` on `id`; false when it is not held (stale, or settled already).
local function endLease(id, lease)
  return redis.call('ZREM', KEYS[4], leaseMember(id, lease)) == 1
end

local function forget(id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('HDEL', KEYS[6], id)
  redis.call('HDEL', KEYS[9], id)
end

local function deadLetter(id, now, reason, raw)
  local body = raw
  if body == nil or body == '' then
    body = redis.call('HGET', KEYS[5], id)
  end
  local entry = { id = id, reason = reason, at = now }
  if body then
    entry.raw = body
  end
  redis.call('LPUSH', KEYS[8], cjson.encode(entry))
  redis.call('LTRIM', KEYS[8], 0, DEAD_LETTERS_KEPT - 1)
  forget(id)
end
