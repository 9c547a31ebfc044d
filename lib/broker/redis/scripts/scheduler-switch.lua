--[[
  Enables or disables a schedule (declared in code or at runtime) and tells the leader.
  KEYS[1] switches (hash: name -> '1' / '0')
  KEYS[2] version counter
  ARGV[1] name
  ARGV[2] '1' to enable, '0' to disable
  Returns the new version.
]]
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('INCR', KEYS[2])
