--[[
  Debounce: joins the waiting message of a debounce window, or opens a new window.
  A window is waiting while its holder is still in the delayed set at the due time the
  window gave it (not promoted or leased; a retry or a rate-limit wait of the holder is
  back in the delayed set at another time, and is not joined). Joining stores the new body under the holder's id, takes the new priority and
  moves the holder's eta to now + delay, capped at the window's first call + maxWait.
  KEYS    the queue keys (includes/queue-helpers.lua), then KEYS[11] the window's record
          (hash: id, first call, due time given), in the queue's slot
  ARGV[1] now, ms
  ARGV[2] id of the new message
  ARGV[3] the encoded message (compact: it names no id, so it is stored as it is under
          whichever id runs)
  ARGV[4] delay, ms (> 0)
  ARGV[5] maxWait, ms (0 = none)
  ARGV[6] priority (0-9)
  ARGV[7] how long the record outlives its run's due time, ms
  ARGV[8] id of a holder known to be revoked ('' = none): it does not count as waiting
  ARGV[9] concurrency key ('<limit>|<key>', '' for none): the last call's, admitted when the run is due
  Returns the id that runs: the holder's when joined, else ARGV[2].
]]
-- @include queue-helpers
local now, id = tonumber(ARGV[1]), ARGV[2]
local body = ARGV[3]
local delay, maxWait = tonumber(ARGV[4]), tonumber(ARGV[5])
local priority, grace = tonumber(ARGV[6]), tonumber(ARGV[7])
local due = now + delay

local held = redis.call('HMGET', KEYS[11], 'id', 'first', 'due')
local holder, first, given = held[1], tonumber(held[2]), tonumber(held[3])
if holder and first and given and holder ~= ARGV[8] and tonumber(redis.call('ZSCORE', KEYS[3], holder)) == given then
  if maxWait > 0 and first + maxWait < due then
    due = first + maxWait
  end
  local firstDue = firstDueTime()
  storeBody(holder, body)
  if priority > 0 then
    redis.call('HSET', KEYS[9], holder, priority)
  else
    redis.call('HDEL', KEYS[9], holder)
  end
  -- Waiting in the delayed set, the holder is not admitted yet: its key is the last call's.
  if ARGV[9] ~= '' then
    setKeyOf(holder, ARGV[9])
  elseif keyedQueue() then
    redis.call('HDEL', ckKey('of'), holder)
  end
  redis.call('ZADD', KEYS[3], due, holder)
  redis.call('HSET', KEYS[11], 'due', due)
  if due < firstDue then
    signalWork()
  end
  redis.call('PEXPIRE', KEYS[11], math.max(due - now, 0) + grace)
  return holder
end

if enqueueOne(id, body, due, priority, now, ARGV[9]) then
  redis.call('DEL', KEYS[11])
  redis.call('HSET', KEYS[11], 'id', id, 'first', now, 'due', due)
  redis.call('PEXPIRE', KEYS[11], delay + grace)
end
return id
