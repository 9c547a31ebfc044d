--[[
  Purges a chunk of the messages waiting in one queue (waiting for a concurrency
  key's slot, ready, prioritised and delayed; leased ones are left to finish). Called repeatedly until it returns 0
  removed, so a large queue is purged without blocking Redis for long.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] how many ids to remove at most in this call
  Returns { removed, remaining, id1, id2, ... }: how many ids were removed now, how many
  still wait after, and the removed ids (so that their tasks can be marked).
]]
-- @include queue-helpers
local budget = tonumber(ARGV[1])
local removed = {}

local function take(ids)
  for _, id in ipairs(ids) do
    removed[#removed + 1] = id
  end
end

if keyedQueue() then
  -- First the lines of concurrency keys: purging admitted ids below admits no more of them.
  for _, key in ipairs(redis.call('ZREVRANGE', ckKey('keys'), 0, 99)) do
    local left = budget - #removed
    if left <= 0 then
      break
    end
    local line = ckKey('wait:' .. key)
    local ids = redis.call('LPOP', line, left) or {}
    take(ids)
    lineShrunk(key, redis.call('LLEN', line), #ids)
  end
end
if budget > #removed then
  local ready = redis.call('RPOP', KEYS[1], budget - #removed)
  if ready then
    take(ready)
  end
end
for _, key in ipairs({ KEYS[2], KEYS[3] }) do
  local left = budget - #removed
  if left > 0 then
    local popped = redis.call('ZPOPMIN', key, left)
    for i = 1, #popped, 2 do
      removed[#removed + 1] = popped[i]
    end
  end
end
for _, id in ipairs(removed) do
  forget(id)
end
local remaining = redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3])
if keyedQueue() then
  remaining = remaining + asCount(redis.call('GET', ckKey('waiting')))
end
local out = { #removed, remaining }
for _, id in ipairs(removed) do
  out[#out + 1] = id
end
return out
