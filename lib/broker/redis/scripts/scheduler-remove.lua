--[[
  Removes a runtime schedule with its switch and its state, and tells the leader.
  KEYS[1] definitions
  KEYS[2] switches
  KEYS[3] states
  KEYS[4] version counter
  ARGV[1] name
  Returns 1 when it existed, 0 otherwise (nothing changes).
]]
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('INCR', KEYS[4])
return 1
