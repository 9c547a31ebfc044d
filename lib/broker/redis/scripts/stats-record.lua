--[[
  Records one minute of one chart series (lib/monitoring/stats): adds to its counters
  and raises its gauges to the highest value seen this minute, and keeps it for a while.
  KEYS[1] the series' hash for that minute (field -> number)
  ARGV[1] ttl, ms
  ARGV[2] n: how many counter pairs follow
  ARGV[3 .. 2+2n] counter field, increment (integers)
  ARGV[3+2n ..] gauge field, value: stored when above the stored value (or none yet)
  A key of the wrong type fails the script before anything is written.
]]
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'hash' and kind ~= 'none' then
  return redis.error_reply('WRONGTYPE ' .. KEYS[1] .. ' holds a ' .. kind .. ', not a hash')
end
local counters = tonumber(ARGV[2])
local i = 3
for _ = 1, counters do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i < #ARGV do
  local value = tonumber(ARGV[i + 1])
  local stored = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  if stored == nil or value > stored then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
  i = i + 2
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
