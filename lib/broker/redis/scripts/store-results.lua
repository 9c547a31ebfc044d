--[[
  Stores the result records of one flush, announcing the ready ones to waiters.
  A record written with keep-ready is stored only if no ready (SUCCESS, FAILURE,
  REVOKED) record is kept: a late STARTED of a duplicate delivery never hides a
  finished result, and in workflows the first outcome wins.
  KEYS    per record, its result key, in the order of the records below
  ARGV[1] '1' on one node: a ready record is announced only when its channel has a
          subscriber (one PUBSUB NUMSUB over the call's channels finds them; a PUBLISH in
          a script costs several times that), or when anyone has a pattern subscription
          (PUBSUB NUMPAT); '' on a Cluster, where ARGV[2] decides
  ARGV[2] '' on one node; on a Cluster, the prefix of the waiter marks: a record's mark
          (a key set by whoever waits for its result: on a Cluster a PUBLISH travels to
          every node, and subscribers may sit on any of them, so a ready record is
          announced only when someone waits) is this prefix followed by its result key
          past its first ARGV[3] bytes (the same hash tag, so the same slot)
  ARGV[3] the length of the result keys' prefix, bytes
  ARGV[4..] groups of records that share their ttl and mode: count, ttl (ms), mode, then
          per record its JSON, preceded by its channel when the mode announces
          mode: 0 store, 1 store and announce, 2 keep-ready, 3 keep-ready and announce
  (A flush's records mostly share one ttl and mode: sent once, not once per record.)
  Returns the number of records stored.
]]
local bySubscribers = ARGV[1] == '1'
local markPrefix = ARGV[2]
local marked = markPrefix ~= ''
local keyPrefixLength = tonumber(ARGV[3])
local function markOf(key)
  return markPrefix .. string.sub(key, keyPrefixLength + 1)
end
-- With waiter marks, one EXISTS over all of them first: in a backlog nobody waits, and no
-- record then costs a call of its own for its mark.
local anyWaiter = false
if marked then
  local marks = {}
  for i = 1, #KEYS do
    marks[#marks + 1] = markOf(KEYS[i])
    if #marks == 1000 or i == #KEYS then
      anyWaiter = anyWaiter or redis.call('EXISTS', unpack(marks)) > 0
      marks = {}
    end
  end
end
-- On one node, the channels of this call that someone listens to (nil: announce all, as
-- when an ACL user may not run PUBSUB: pcall, and every ready result is announced).
local function listenedChannels()
  local patterns = redis.pcall('PUBSUB', 'NUMPAT')
  if patterns ~= 0 then
    return nil
  end
  local listened, channels = {}, {}
  local function ask()
    local counts = redis.pcall('PUBSUB', 'NUMSUB', unpack(channels))
    if type(counts) ~= 'table' or counts.err then
      return false
    end
    for i = 2, #counts, 2 do
      if counts[i] > 0 then
        listened[counts[i - 1]] = true
      end
    end
    channels = {}
    return true
  end
  local a = 4
  while a <= #ARGV do
    local count, mode = tonumber(ARGV[a]), tonumber(ARGV[a + 2])
    a = a + 3
    if mode % 2 == 1 then
      for _ = 1, count do
        channels[#channels + 1] = ARGV[a]
        a = a + 2
        if #channels == 1000 and not ask() then
          return nil
        end
      end
    else
      a = a + count
    end
  end
  if #channels > 0 and not ask() then
    return nil
  end
  return listened
end
local listened = bySubscribers and listenedChannels() or nil
local function keptReady(key)
  local current = redis.call('GET', key)
  if not current then
    return false
  end
  local ok, record = pcall(cjson.decode, current)
  return ok and type(record) == 'table' and (record.state == 'SUCCESS' or record.state == 'FAILURE' or record.state == 'REVOKED')
end
local stored = 0
local k = 0
local a = 4
while a <= #ARGV do
  local count, ttl, mode = tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2])
  local announce = mode % 2 == 1
  local keepReady = mode >= 2
  a = a + 3
  for _ = 1, count do
    k = k + 1
    local key = KEYS[k]
    local channel
    if announce then
      channel = ARGV[a]
      a = a + 1
    end
    local record = ARGV[a]
    a = a + 1
    if not (keepReady and keptReady(key)) then
      redis.call('PSETEX', key, ttl, record)
      if announce and (marked and anyWaiter and redis.call('EXISTS', markOf(key)) == 1 or not marked and (listened == nil or listened[channel])) then
        redis.call('PUBLISH', channel, record)
      end
      stored = stored + 1
    end
  end
end
return stored
