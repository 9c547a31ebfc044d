-- Helpers shared by the queue scripts. Every queue script takes the same KEYS:
--   1 ready     list of ids at priority 0 (LPUSH in, RPOP out)
--   2 prio      sorted set of ids with a priority (lower score first)
--   3 delayed   sorted set of ids by eta (ms)
--   4 active    sorted set of leases by deadline (ms) of workers before per-call leases:
--               members `id|token`; only read now, to give back those that run out.
--               Leases now live beside it, one per reserve call (reserve.lua):
--               <active>:leases        sorted set of lease tokens by deadline (ms); a token
--                                      no other reserve call has
--               <active>:lease:<token> set of the ids that token leased and that are not
--                                      settled yet; who presents an id and its token holds it
--   5 messages  the base of the message buckets: `<messages>:<n>`, n = 0..1023, are hashes
--               id -> encoded message, n = bucketOf(id) (small, so Redis keeps them as
--               listpacks). The hash `messages` itself holds only messages written before
--               0.3, read and deleted as they are met.
--   6 lost      hash id -> deliveries whose lease ran out
--   7 wake      list holding one token while there may be work (workers BLPOP it)
--   8 dead      list of dead letters (JSON), newest first
--   9 pri       hash id -> priority, for ids with a priority
--  10 seq       counter that keeps FIFO order within a priority
-- Concurrency keys use keys of their own, derived from the queue's (same hash tag, so
-- the same Cluster slot), written only when a message has a key:
--   <queue>:ck:of         hash id -> '<limit>|<key>' of every message with a key
--   <queue>:ck:in         hash id -> key, the admitted ones (ready, delayed for a rate
--                         slot, or leased): at most `limit` per key
--   <queue>:ck:run        hash key -> how many of its messages are admitted
--   <queue>:ck:wait:<key> list of ids waiting for a slot of the key, oldest first
--   <queue>:ck:keys       sorted set of the keys that have ids waiting, by how many
--   <queue>:ck:waiting    how many ids wait in all lines

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

-- Whether any message has a lost delivery counted: usually none, and then a run of ids
-- needs no HMGET of the lost hash (which would convert every id for nothing).
local function anyLost()
  return redis.call('EXISTS', KEYS[6]) == 1
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

-- ---- stored messages ------------------------------------------------------------------

-- A character's index in the task-id alphabet (A-Z a-z 0-9 - _); any other, its code mod 64.
local function charIndex(code)
  if code >= 97 then
    return code <= 122 and code - 71 or code % 64
  elseif code >= 65 then
    if code <= 90 then
      return code - 65
    end
    return code == 95 and 63 or code % 64
  elseif code >= 48 then
    return code <= 57 and code + 4 or code % 64
  end
  return code == 45 and 62 or code % 64
end

-- The bucket of `id` (0-1023), from its last two characters: messageBucket in
-- lib/utils/task-id.ts, which gives generated ids their bucket there.
local function bucketOf(id)
  local n = #id
  if n < 2 then
    return n == 0 and 0 or charIndex(string.byte(id, 1))
  end
  local a, b = string.byte(id, n - 1, n)
  return (charIndex(a) % 16) * 64 + charIndex(b)
end

local function bucketKey(bucket)
  return KEYS[5] .. ':' .. bucket
end

local function messageKey(id)
  return bucketKey(bucketOf(id))
end

local legacyUsed = nil
-- Whether messages written before 0.3 are left in the `messages` hash (one EXISTS per run).
local function legacyMessages()
  if legacyUsed == nil then
    legacyUsed = redis.call('EXISTS', KEYS[5]) == 1
  end
  return legacyUsed
end

-- The stored message of `id`, or false.
local function bodyOf(id)
  local body = redis.call('HGET', messageKey(id), id)
  if not body and legacyMessages() then
    body = redis.call('HGET', KEYS[5], id)
  end
  return body
end

local function isStored(id)
  return redis.call('HEXISTS', messageKey(id), id) == 1 or (legacyMessages() and redis.call('HEXISTS', KEYS[5], id) == 1)
end

-- Stores `body` as the message of `id`, over what was there.
local function storeBody(id, body)
  redis.call('HSET', messageKey(id), id, body)
  if legacyMessages() then
    redis.call('HDEL', KEYS[5], id)
  end
end

local function dropBody(id)
  redis.call('HDEL', messageKey(id), id)
  if legacyMessages() then
    redis.call('HDEL', KEYS[5], id)
  end
end

-- `ids` by bucket: { [bucket] = { id, ... } }, the buckets in the order first met, and
-- { [bucket] = { position in `ids` of each id of the group } }.
local function byBucket(ids)
  local groups, order, positions = {}, {}, {}
  for i = 1, #ids do
    local bucket = bucketOf(ids[i])
    local group = groups[bucket]
    if not group then
      group = {}
      groups[bucket] = group
      positions[bucket] = {}
      order[#order + 1] = bucket
    end
    local k = #group + 1
    group[k] = ids[i]
    positions[bucket][k] = i
  end
  return groups, order, positions
end

-- The stored messages of `ids`, in their order (false where none is stored).
-- One HMGET per bucket; each body goes to its id's position (no table keyed by id).
local function bodiesOf(ids)
  local bodies = {}
  local n = #ids
  if n == 0 then
    return bodies
  end
  local groups, order, positions = byBucket(ids)
  for _, bucket in ipairs(order) do
    local values = redis.call('HMGET', bucketKey(bucket), unpack(groups[bucket]))
    local at = positions[bucket]
    for k = 1, #at do
      bodies[at[k]] = values[k]
    end
  end
  for i = 1, n do
    if not bodies[i] then
      bodies[i] = legacyMessages() and redis.call('HGET', KEYS[5], ids[i]) or false
    end
  end
  return bodies
end

local function dropBodies(ids)
  if #ids == 0 then
    return
  end
  local groups, order = byBucket(ids)
  for _, bucket in ipairs(order) do
    redis.call('HDEL', bucketKey(bucket), unpack(groups[bucket]))
  end
  if legacyMessages() then
    redis.call('HDEL', KEYS[5], unpack(ids))
  end
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

-- ---- concurrency keys ----------------------------------------------------------------

-- KEYS[1] is '<queue>:ready'. Names are built once per script run.
local ckNames = {}
local function ckKey(part)
  local name = ckNames[part]
  if not name then
    name = string.sub(KEYS[1], 1, -7) .. ':ck:' .. part
    ckNames[part] = name
  end
  return name
end

local ckUsed = nil
-- Whether any message of this queue has a concurrency key (one EXISTS per script run).
local function keyedQueue()
  if ckUsed == nil then
    ckUsed = redis.call('EXISTS', ckKey('of')) == 1
  end
  return ckUsed
end

-- The limit and key of `id`, or nil when it has none.
local function keyOf(id)
  if not keyedQueue() then
    return nil
  end
  local value = redis.call('HGET', ckKey('of'), id)
  if not value then
    return nil
  end
  local bar = string.find(value, '|', 1, true)
  if not bar then
    return nil
  end
  return asCount(string.sub(value, 1, bar - 1)), string.sub(value, bar + 1)
end

local function setKeyOf(id, keyed)
  redis.call('HSET', ckKey('of'), id, keyed)
  ckUsed = true
end

-- Makes keyed `id` ready when its key has a free slot (or it holds one already), else
-- lines it up behind the key's other waiting ids (`front`: first of them). True when ready.
-- `fresh`: a new message, which holds no slot yet.
local function admit(id, limit, key, front, fresh)
  if not fresh and redis.call('HEXISTS', ckKey('in'), id) == 1 then
    pushReady(id, front)
    return true
  end
  if asCount(redis.call('HGET', ckKey('run'), key)) < limit then
    redis.call('HINCRBY', ckKey('run'), key, 1)
    redis.call('HSET', ckKey('in'), id, key)
    pushReady(id, front)
    return true
  end
  local line = ckKey('wait:' .. key)
  local waiting
  if front then
    waiting = redis.call('LPUSH', line, id)
  else
    waiting = redis.call('RPUSH', line, id)
  end
  redis.call('ZADD', ckKey('keys'), waiting, key)
  redis.call('INCR', ckKey('waiting'))
  return false
end

-- Makes `id` ready to fetch, through its key's admission when it has one. True when ready
-- (false: it waits for a slot of its key).
local function makeReady(id, front, fresh)
  local limit, key = keyOf(id)
  if limit then
    return admit(id, limit, key, front, fresh)
  end
  pushReady(id, front)
  return true
end

-- Records that `key`'s line holds `waiting` ids after `taken` left it.
local function lineShrunk(key, waiting, taken)
  if waiting == 0 then
    redis.call('ZREM', ckKey('keys'), key)
  else
    redis.call('ZADD', ckKey('keys'), waiting, key)
  end
  if taken > 0 and redis.call('DECRBY', ckKey('waiting'), taken) <= 0 then
    redis.call('DEL', ckKey('waiting'))
  end
end

-- Admits the ids waiting for `key`, oldest first, while it has free slots (`running` of
-- them are taken; a bounded number per call); they go to the back of the queue, so keys
-- take turns. Ids no longer stored (purged) are dropped from the line. Returns how many
-- became ready.
local function admitWaiting(key, running)
  local line = ckKey('wait:' .. key)
  local admitted, taken = 0, 0
  for _ = 1, 100 do
    local id = redis.call('LPOP', line)
    if not id then
      break
    end
    local limit = keyOf(id)
    if limit and isStored(id) then
      if running >= limit then
        -- Its own limit is lower than the slot freed: it stays first in line.
        redis.call('LPUSH', line, id)
        break
      end
      taken = taken + 1
      running = running + 1
      redis.call('HINCRBY', ckKey('run'), key, 1)
      redis.call('HSET', ckKey('in'), id, key)
      pushReady(id, false)
      admitted = admitted + 1
      if running >= limit then
        break
      end
    else
      taken = taken + 1
    end
  end
  if taken > 0 then
    if tonumber(redis.call('ZINCRBY', ckKey('keys'), -taken, key)) <= 0 then
      redis.call('ZREM', ckKey('keys'), key)
    end
    if redis.call('DECRBY', ckKey('waiting'), taken) <= 0 then
      redis.call('DEL', ckKey('waiting'))
    end
  end
  return admitted
end

-- Frees the slot `id` holds (it was settled, dead-lettered or retried) and admits the
-- next ids of its key. Returns how many became ready.
local function releaseSlot(id)
  if not keyedQueue() then
    return 0
  end
  local key = redis.call('HGET', ckKey('in'), id)
  if not key then
    return 0
  end
  redis.call('HDEL', ckKey('in'), id)
  local running = redis.call('HINCRBY', ckKey('run'), key, -1)
  local admitted = admitWaiting(key, running)
  if running + admitted <= 0 then
    redis.call('HDEL', ckKey('run'), key)
  end
  return admitted
end

-- Forgets the key of `id` for good, freeing its slot. Returns how many became ready.
local function dropKey(id)
  if not keyedQueue() then
    return 0
  end
  local admitted = releaseSlot(id)
  redis.call('HDEL', ckKey('of'), id)
  return admitted
end

-- Schedules a message whose body was just stored: delayed, prioritised, through its
-- concurrency key's admission (`keyed`: '<limit>|<key>', or '' / nil for none), or (priority
-- 0, due now) appended to `readyBatch` for one LPUSH by the caller. Returns whether waiting
-- workers should be woken (it is ready, or due before `firstDue`, the earliest eta so far).
local function scheduleNew(id, eta, priority, now, readyBatch, firstDue, keyed)
  if priority > 0 then
    redis.call('HSET', KEYS[9], id, priority)
  end
  if keyed and keyed ~= '' then
    setKeyOf(id, keyed)
  end
  if eta > now then
    redis.call('ZADD', KEYS[3], eta, id)
    return eta < firstDue
  end
  if keyed and keyed ~= '' then
    return makeReady(id, false, true)
  end
  if priority > 0 then
    redis.call('ZADD', KEYS[2], priorityScore(priority, false), id)
  else
    readyBatch[#readyBatch + 1] = id
  end
  return true
end

-- Stores the message of `id` unless one is stored (in its bucket, or in the hash of before
-- 0.3); whether it did.
local function storeNew(id, body)
  if redis.call('HSETNX', messageKey(id), id, body) == 0 then
    return false
  end
  if legacyMessages() and redis.call('HEXISTS', KEYS[5], id) == 1 then
    redis.call('HDEL', messageKey(id), id)
    return false
  end
  return true
end

-- Stores a new message and schedules it (storeNew, scheduleNew). Returns isNew, wake; an id
-- already stored is left alone (false, false).
local function enqueueNew(id, body, eta, priority, now, readyBatch, firstDue, keyed)
  if not storeNew(id, body) then
    return false, false
  end
  return true, scheduleNew(id, eta, priority, now, readyBatch, firstDue, keyed)
end

local function firstDueTime()
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')[2]
  return first and tonumber(first) or math.huge
end

-- Pushes a publish's batch of ready ids (enqueueNew's `readyBatch`) in one LPUSH, and wakes
-- the workers when one of its messages asked for it.
local function flushReady(readyBatch, wake)
  if #readyBatch > 0 then
    redis.call('LPUSH', KEYS[1], unpack(readyBatch))
  end
  if wake then
    signalWork()
  end
end

-- Stores and schedules one new message (enqueueNew, then flushReady); false when the id exists.
local function enqueueOne(id, body, eta, priority, now, keyed)
  local readyBatch = {}
  local isNew, wake = enqueueNew(id, body, eta, priority, now, readyBatch, firstDueTime(), keyed)
  flushReady(readyBatch, wake)
  return isNew
end

-- The lease tokens of reserve calls, by deadline (nil in a script given no queue keys).
local LEASES = KEYS[4] and KEYS[4] .. ':leases'

-- The ids the lease `token` holds. A lease that ran out is given back whole (reserve.lua),
-- and an id leaves it when it is settled: an id and token not in it are stale, and what
-- presents them does nothing.
local function leaseSet(token)
  return KEYS[4] .. ':lease:' .. token
end

-- The ids the lease `token` holds, in byte order (a set's own order is its hash table's):
-- a lease that runs out gives them back in an order every server agrees on.
local function leasedIds(token)
  local set = leaseSet(token)
  local members = redis.call('SMEMBERS', set)
  if #members < 2 then
    return members
  end
  local sorted = set .. ':sorted'
  for from = 1, #members, 1000 do
    local chunk = {}
    for i = from, math.min(from + 999, #members) do
      chunk[#chunk + 1] = 0
      chunk[#chunk + 1] = members[i]
    end
    redis.call('ZADD', sorted, unpack(chunk))
  end
  local ids = redis.call('ZRANGE', sorted, 0, -1)
  redis.call('DEL', sorted)
  return ids
end

-- The id a member of the old active set leases: what precedes its last '|' (tokens have
-- none; a member without one, written by hand, is taken as an id).
local function leasedId(member)
  local bar = string.find(member, '|[^|]*$')
  if bar then
    return string.sub(member, 1, bar - 1)
  end
  return member
end

-- Ends the lease `lease` on `id`; false when it is not held (stale, or settled already).
local function endLease(id, lease)
  local set = leaseSet(lease)
  if redis.call('SREM', set, id) == 0 then
    return false
  end
  if redis.call('EXISTS', set) == 0 then
    redis.call('ZREM', LEASES, lease)
  end
  return true
end

-- Drops everything stored of `id`; returns how many ids of its key became ready.
local function forget(id)
  dropBody(id)
  redis.call('HDEL', KEYS[6], id)
  redis.call('HDEL', KEYS[9], id)
  return dropKey(id)
end

local function deadLetter(id, now, reason, raw)
  local body = raw
  if body == nil or body == '' then
    body = bodyOf(id)
  end
  local entry = { id = id, reason = reason, at = now }
  if body then
    entry.raw = body
  end
  redis.call('LPUSH', KEYS[8], cjson.encode(entry))
  redis.call('LTRIM', KEYS[8], 0, DEAD_LETTERS_KEPT - 1)
  if forget(id) > 0 then
    signalWork()
  end
end
