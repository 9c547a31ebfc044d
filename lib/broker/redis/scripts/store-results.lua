--[[
  Stores the result records of one flush, announcing the ready ones to waiters.
  A record written with keep-ready is stored only if no ready (SUCCESS, FAILURE,
  REVOKED) record is kept: a late STARTED of a duplicate delivery never hides a
  finished result, and in workflows the first outcome wins.
  KEYS    per record, its result key, in the order of the records below; on one node
          then the waiter registry (a sorted set: id -> until when someone waits for it)
  ARGV[1] 'n' on one node: a ready record is announced when the registry holds its id
          (its waiter registered before subscribing), and the id then leaves the
          registry; every ready record is announced when anyone has a pattern
          subscription (PUBSUB NUMPAT), and those of mode 4 always
          'c' on a Cluster: a ready record is announced when its waiter mark exists (a
          key set by whoever waits, in the result key's slot: on a Cluster a PUBLISH
          travels to every node)
  ARGV[2] one node: the channels' prefix (a record's channel is it followed by its id);
          Cluster: the marks' prefix (a record's mark is it followed by its result key
          past its first ARGV[3] bytes: the same hash tag, so the same slot)
  ARGV[3] the length of the result keys' prefix, bytes (what follows is the id, on one node)
  ARGV[4] now, ms (registry entries that ran out are dropped)
  ARGV[5..] groups of records that share their ttl and mode: count, ttl (ms), mode, then
          per record its JSON, preceded by its channel on a Cluster when the mode announces
          mode: 0 store, 1 store and announce, 2 keep-ready, 3 keep-ready and announce,
          +4 (one node) announce to whoever listens, registered or not (a waiter of 0.2
          does not register)
  (A flush's records mostly share one ttl and mode: sent once, not once per record.)
  On one node nothing per record is sent or asked for announcing while nobody waits:
  the registry's size and NUMPAT answer for the whole flush.
  Returns the number of records stored.
]]
local cluster = ARGV[1] == 'c'
local namePrefix = ARGV[2]
local keyPrefixLength = tonumber(ARGV[3])
local FIRST_GROUP = 5

-- On one node the id; on a Cluster the hash-tagged rest of the key.
local function pastPrefix(key)
  return string.sub(key, keyPrefixLength + 1)
end

-- Cluster: one EXISTS over all the marks first; in a backlog nobody waits, and no record
-- then costs a call of its own for its mark.
local anyWaiter = false
if cluster then
  local marks = {}
  for i = 1, #KEYS do
    marks[#marks + 1] = namePrefix .. pastPrefix(KEYS[i])
    if #marks == 1000 or i == #KEYS then
      anyWaiter = anyWaiter or redis.call('EXISTS', unpack(marks)) > 0
      marks = {}
    end
  end
end

-- One node: announce every ready record (a pattern subscription anywhere, or PUBSUB not
-- allowed to this ACL user), or those whose id is in `waited` (nil: nobody waits). `ids`,
-- the records' ids by position, are taken only when the registry holds any.
local registry = not cluster and KEYS[#KEYS] or nil
local announceAll, waited, ids = false, nil, nil
if registry then
  announceAll = redis.pcall('PUBSUB', 'NUMPAT') ~= 0
  if not announceAll and redis.call('ZCARD', registry) > 0 then
    redis.call('ZREMRANGEBYSCORE', registry, '-inf', '(' .. ARGV[4])
    ids, waited = {}, {}
    for i = 1, #KEYS - 1 do
      ids[i] = pastPrefix(KEYS[i])
    end
    for from = 1, #ids, 1000 do
      local to = math.min(from + 999, #ids)
      local scores = redis.call('ZMSCORE', registry, unpack(ids, from, to))
      for i = from, to do
        if scores[i - from + 1] then
          waited[ids[i]] = true
        end
      end
    end
  end
end

local function keptReady(key)
  local current = redis.call('GET', key)
  if not current then
    return false
  end
  local ok, record = pcall(cjson.decode, current)
  return ok and type(record) == 'table' and (record.state == 'SUCCESS' or record.state == 'FAILURE' or record.state == 'REVOKED')
end

local stored = 0
local announced = {}
local k = 0
local a = FIRST_GROUP
while a <= #ARGV do
  local count, ttl, mode = tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2])
  local announce = mode % 2 == 1
  local keepReady = mode % 4 >= 2
  local toAnyone = mode >= 4
  a = a + 3
  for _ = 1, count do
    k = k + 1
    local key = KEYS[k]
    local channel
    if announce and cluster then
      channel = ARGV[a]
      a = a + 1
    end
    local record = ARGV[a]
    a = a + 1
    if not (keepReady and keptReady(key)) then
      redis.call('PSETEX', key, ttl, record)
      if announce then
        if cluster then
          if anyWaiter and redis.call('EXISTS', namePrefix .. pastPrefix(key)) == 1 then
            redis.call('PUBLISH', channel, record)
          end
        else
          local id = ids and ids[k]
          if id and waited[id] then
            announced[#announced + 1] = id
          end
          if announceAll or toAnyone or id and waited[id] then
            redis.call('PUBLISH', namePrefix .. (id or pastPrefix(key)), record)
          end
        end
      end
      stored = stored + 1
    end
  end
end
-- Announced: its waiters have it (a later one reads the key after registering).
for from = 1, #announced, 1000 do
  redis.call('ZREM', registry, unpack(announced, from, math.min(from + 999, #announced)))
end
return stored
