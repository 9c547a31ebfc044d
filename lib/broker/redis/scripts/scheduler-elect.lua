--[[
  Acquires the scheduler's leader lease when it is free, or renews it for its holder.
  KEYS[1] leader lease (string: the holder's token)
  ARGV[1] token
  ARGV[2] lease, ms
  Returns 1 while `token` holds the lease (acquired or renewed), 0 when another does.
]]
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
