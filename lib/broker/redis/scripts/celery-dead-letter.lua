--[[
  Celery queues: moves a message that cannot be run (pickle, malformed) off kombu's
  unacked bookkeeping and onto our dead-letter list of the queue, where
  `nest-tasks inspect` and TaskAdmin read dead letters.
  KEYS[1]   unacked (hash)
  KEYS[2]   unacked_index (zset)
  KEYS[3]   the queue's dead-letter list (ours)
  ARGV[1]   delivery tag ('' = a message that was never recorded in unacked)
  ARGV[2]   the dead-letter entry (JSON { id, raw, reason, at })
  ARGV[3]   how many dead letters the list keeps
  Returns 1.
]]
if ARGV[1] ~= '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('LPUSH', KEYS[3], ARGV[2])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[3]) - 1)
return 1
