--[[
  Start slots of one rate-limited task, shared by every worker: starts are at least
  `interval` apart. A caller turned away gets a reserved later slot, so waiting
  messages spread out instead of all coming back at once.
  KEYS[1] the task's rate hash: last (last start, ms), next (next free slot, ms)
  ARGV[1] now, ms
  ARGV[2] interval, ms
  Returns 0 to start now (the start is recorded), else ms until the reserved slot.
]]
local now, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'last', 'next')
local last = tonumber(state[1]) or -math.huge
local nextSlot = tonumber(state[2]) or 0
local ttl = math.ceil(interval * 2 + 60000)
if now >= last + interval then
  redis.call('HSET', KEYS[1], 'last', now, 'next', math.max(nextSlot, now + interval))
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 0
end
local slot = math.max(nextSlot, last + interval)
redis.call('HSET', KEYS[1], 'next', slot + interval)
redis.call('PEXPIRE', KEYS[1], math.ceil(slot - now) + ttl)
return math.ceil(slot - now)
