--[[
  A task's rate changed at runtime: voids every ticket handed out before now (their
  messages are brought back by rate-release.lua and take new slots) and records the
  new interval where rate-limit.lua reads it, so the change holds at once.
  KEYS[1] the task's rate hash (see rate-limit.lua)
  ARGV[1] the new interval, ms (0: no override, the declared rate applies again)
  Returns the change's time: tickets issued before it are void.
]]
pcall(redis.replicate_commands) -- Redis < 5 needs it before TIME; a no-op since
local clock = redis.call('TIME')
-- +1: a ticket issued in this same millisecond may predate the change.
local changed = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000) + 1
redis.call('HSET', KEYS[1], 'changed', changed)
redis.call('HDEL', KEYS[1], 'next')
if tonumber(ARGV[1]) > 0 then
  redis.call('HSET', KEYS[1], 'interval', ARGV[1])
else
  redis.call('HDEL', KEYS[1], 'interval')
end
redis.call('PEXPIRE', KEYS[1], 86400000)
return changed
