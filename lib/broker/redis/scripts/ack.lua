--[[
  Acknowledges finished messages: ends their lease and drops their stored message,
  freeing the slots of their concurrency keys for the next waiting messages.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV    pairs: id, lease token
  A stale lease (it ran out, and the message may have gone to another worker) is
  left alone. Returns the number acknowledged.
]]
-- @include queue-helpers
-- An ack names the lease of each id. Usually all are held: one SMISMEMBER per lease says
-- so (for a lone id its SREM does), and one SREM ends them; a lease left with no id goes
-- from the leases. A stale one (the lease ran out, or the id was settled already) is left alone.
local byToken, tokens = {}, {}
for i = 1, #ARGV, 2 do
  local token = ARGV[i + 1]
  local ids = byToken[token]
  if not ids then
    ids = {}
    byToken[token] = ids
    tokens[#tokens + 1] = token
  end
  ids[#ids + 1] = ARGV[i]
end
local done = {}
for _, token in ipairs(tokens) do
  local ids = byToken[token]
  local set = leaseSet(token)
  local held = ids
  if #ids == 1 then
    -- One id: its SREM says whether it was held.
    if redis.call('SREM', set, ids[1]) == 0 then
      held = {}
    end
  else
    local flags = redis.call('SMISMEMBER', set, unpack(ids))
    for i = 1, #flags do
      if flags[i] == 0 then
        held = {}
        for j = 1, #ids do
          if flags[j] == 1 then
            held[#held + 1] = ids[j]
          end
        end
        break
      end
    end
    if #held > 0 then
      redis.call('SREM', set, unpack(held))
    end
  end
  if #held > 0 then
    if redis.call('EXISTS', set) == 0 then
      redis.call('ZREM', LEASES, token)
    end
    for _, id in ipairs(held) do
      done[#done + 1] = id
    end
  end
end
if #done > 0 then
  if keyedQueue() then
    local admitted = 0
    for _, id in ipairs(done) do
      admitted = admitted + dropKey(id)
    end
    if admitted > 0 then
      signalWork()
    end
  end
  dropBodies(done)
  if anyLost() then
    redis.call('HDEL', KEYS[6], unpack(done))
  end
  if redis.call('HLEN', KEYS[9]) > 0 then
    redis.call('HDEL', KEYS[9], unpack(done))
  end
end
return #done
