--[[
  Claims the due ticks of one schedule: moves its state on and records the ticks as
  pending (claimed, not yet confirmed as sent), in one step, so no two leaders send a
  tick and a leader lost between claim and send leaves the tick to its successor.
  KEYS[1] leader lease
  KEYS[2] states (hash: schedule name -> state JSON)
  KEYS[3] pending (hash: task id -> pending tick JSON)
  ARGV[1] token of the leader claiming
  ARGV[2] schedule name
  ARGV[3] the state the leader planned from ('' = none); compared as a whole
  ARGV[4] the new state JSON
  ARGV[5..] pairs: task id, pending tick JSON
  Returns 1 when claimed, 0 when `token` no longer leads, -1 when the state moved on.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local current = redis.call('HGET', KEYS[2], ARGV[2]) or ''
if current ~= ARGV[3] then
  return -1
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
end
return 1
