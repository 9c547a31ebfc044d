--[[
  Enqueues messages into one queue.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] now, ms
  ARGV[2..] groups of three: id, encoded message, options: '' (due now, priority 0, no
          concurrency key), or '<eta>|<priority>|<concurrency key>' (eta in ms, 0 = now;
          priority 0-9; the key as '<limit>|<key>', '' for none)
  Returns the number of messages added. An id already stored is left as it is
  (a repeated taskId does not enqueue twice).
  A producer's generated ids come in runs of one bucket (lib/utils/task-id.ts): the bodies
  of such a run are looked up with one HMGET and stored with one HSET, not a HSETNX each.
]]
-- @include queue-helpers
local now = tonumber(ARGV[1])
local firstDue = firstDueTime()
local added, wake = 0, false
local ready, nready = {}, 0
-- Ids in one HMGET / HSET at most (Lua's unpack has a limit).
local MAX_RUN = 500

local function optionsAt(i)
  local options = ARGV[i + 2]
  if options == '' then
    return 0, 0, ''
  end
  local a = string.find(options, '|', 1, true)
  local b = string.find(options, '|', a + 1, true)
  return tonumber(string.sub(options, 1, a - 1)), tonumber(string.sub(options, a + 1, b - 1)), string.sub(options, b + 1)
end

-- Schedules the message at ARGV[i], stored just now.
local function scheduleAt(i)
  local eta, priority, keyed = optionsAt(i)
  added = added + 1
  wake = scheduleNew(ARGV[i], eta, priority, now, ready, firstDue, keyed) or wake
  if eta > now and eta < firstDue then
    firstDue = eta
  end
end

-- Messages of before 0.3 left in the old hash: each id is checked there too, one at a time.
local oneByOne = legacyMessages()
local n = #ARGV
local i = 2
while i <= n do
  local bucket = bucketOf(ARGV[i])
  local last = i
  while not oneByOne and last + 3 <= n and last - i < 3 * (MAX_RUN - 1) and bucketOf(ARGV[last + 3]) == bucket do
    last = last + 3
  end
  if last == i then
    if storeNew(ARGV[i], ARGV[i + 1]) then
      scheduleAt(i)
      nready = #ready
    end
  else
    local ids, count = {}, 0
    for j = i, last, 3 do
      count = count + 1
      ids[count] = ARGV[j]
    end
    local stored = redis.call('HMGET', bucketKey(bucket), unpack(ids))
    local fields, nfields, fresh, nfresh, taken = {}, 0, {}, 0, {}
    for k = 1, count do
      local id = ids[k]
      -- The first of a repeated id wins, as with a HSETNX each.
      if not stored[k] and not taken[id] then
        taken[id] = true
        local j = i + 3 * (k - 1)
        fields[nfields + 1] = id
        fields[nfields + 2] = ARGV[j + 1]
        nfields = nfields + 2
        nfresh = nfresh + 1
        fresh[nfresh] = j
      end
    end
    if nfields > 0 then
      redis.call('HSET', bucketKey(bucket), unpack(fields))
      for f = 1, nfresh do
        local j = fresh[f]
        if ARGV[j + 2] == '' then
          -- Due now, no priority, no concurrency key: straight to the ready list.
          added = added + 1
          nready = nready + 1
          ready[nready] = ARGV[j]
          wake = true
        else
          scheduleAt(j)
          nready = #ready
        end
      end
    end
  end
  i = last + 3
end
flushReady(ready, wake)
return added
