--[[
  Stores (or replaces) a runtime schedule and tells the leader.
  KEYS[1] definitions (hash: name -> entry JSON)
  KEYS[2] switches (hash: name -> '1' enabled / '0' disabled)
  KEYS[3] version counter
  ARGV[1] name
  ARGV[2] entry JSON
  The entry's own `enabled` applies again: its switch is cleared. Returns the new version.
]]
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('INCR', KEYS[3])
