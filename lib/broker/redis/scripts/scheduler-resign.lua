--[[
  Gives up the scheduler's leader lease, if `token` holds it.
  KEYS[1] leader lease
  ARGV[1] token
  Returns 1 when released, 0 when another instance holds it (or no one).
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
