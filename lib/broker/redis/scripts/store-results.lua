--[[
  Stores the result records of one flush, announcing the ready ones to waiters.
  A record written with keep-ready is stored only if no ready (SUCCESS, FAILURE,
  REVOKED) record is kept: a late STARTED of a duplicate delivery never hides a
  finished result, and in workflows the first outcome wins.
  KEYS    per record, its result key
  ARGV[1] the prefix of the pub/sub channels on which ready results are announced
  ARGV[2] '' on one node; on a Cluster, the prefix of the waiter marks: a record's mark
          (a key set by whoever waits for its result: on a Cluster a PUBLISH travels to
          every node, so a ready record is announced only when someone waits) is this
          prefix followed by its result key past its first ARGV[3] bytes (the same hash
          tag, so the same slot)
  ARGV[3] the length of the result keys' prefix, bytes
  ARGV[4..] groups of four per record: task id, record (JSON), ttl (ms), mode
          mode: 0 store, 1 store and announce, 2 keep-ready, 3 keep-ready and announce
  Returns the number of records stored.
]]
local markPrefix = ARGV[2]
local marked = markPrefix ~= ''
local keyPrefixLength = tonumber(ARGV[3])
local function markOf(key)
  return markPrefix .. string.sub(key, keyPrefixLength + 1)
end
local stored = 0
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
for i = 1, #KEYS do
  local key = KEYS[i]
  local j = 4 * i
  local mode = tonumber(ARGV[j + 3])
  local write = true
  if mode >= 2 then
    local current = redis.call('GET', key)
    if current then
      local ok, record = pcall(cjson.decode, current)
      if ok and type(record) == 'table' and (record.state == 'SUCCESS' or record.state == 'FAILURE' or record.state == 'REVOKED') then
        write = false
      end
    end
  end
  if write then
    redis.call('SET', key, ARGV[j + 1], 'PX', ARGV[j + 2])
    if mode % 2 == 1 and (not marked or (anyWaiter and redis.call('EXISTS', markOf(key)) == 1)) then
      redis.call('PUBLISH', ARGV[1] .. ARGV[j], ARGV[j + 1])
    end
    stored = stored + 1
  end
end
return stored
