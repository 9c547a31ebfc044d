--[[
  Celery queues: gives a held message back to the front of its list (RPUSH: a BRPOP takes
  it next), as kombu's restore does, if it is still held (and still the value read, when
  ARGV[2] is given: a visibility-timeout sweep does not restore what another worker
  changed meanwhile).
  KEYS[1]   unacked (hash)
  KEYS[2]   unacked_index (zset)
  KEYS[3]   the list to restore to
  ARGV[1]   delivery tag
  ARGV[2]   the unacked value read before ('' = any)
  ARGV[3]   the envelope to push (marked redelivered)
  Returns 1 when restored, 0 when no longer held (acknowledged or restored by another).
]]
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value or (ARGV[2] ~= '' and value ~= ARGV[2]) then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[3])
return 1
