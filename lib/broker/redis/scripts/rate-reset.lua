--[[
  A task's rate changed at runtime: stores the override (or clears it), voids every
  ticket handed out before now (their messages are brought back by rate-release.lua and
  take new slots) and records the new interval where rate-limit.lua reads it, all in one
  step, so two changes at once never leave one's override with the other's spacing.
  KEYS[1] the task's rate hash (see rate-limit.lua)
  KEYS[2] the runtime overrides (hash task -> rate, as given)
  ARGV[1] the new interval, ms (0: no override, the declared rate applies again)
  ARGV[2] task name
  ARGV[3] the rate as given ('' clears the override)
  Returns the change's time: tickets issued before it are void. A key of the wrong
  type fails the script before anything is written.
]]
for _, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  if kind ~= 'hash' and kind ~= 'none' then
    return redis.error_reply('WRONGTYPE ' .. key .. ' holds a ' .. kind .. ', not a hash')
  end
end
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
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
else
  redis.call('HDEL', KEYS[2], ARGV[2])
end
return changed
