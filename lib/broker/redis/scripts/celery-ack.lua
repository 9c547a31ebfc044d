--[[
  Celery queues: acknowledges a held message as kombu does (ZREM unacked_index, HDEL
  unacked) and, in the same step, pushes the messages it leads to (a retry of it, the
  next step of its chain, its link or link_error callbacks).
  KEYS[1]   unacked (hash)
  KEYS[2]   unacked_index (zset)
  KEYS[3..] the list each pushed message goes to, one per message
  ARGV[1]   delivery tag ('': nothing to acknowledge, only the pushes)
  ARGV[2..] the envelopes to LPUSH, in KEYS order
  Returns 1 if the tag was still held, else 0 (the messages are pushed either way: the
  task ran, and what it leads to must not be lost).
]]
local held = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
for i = 3, #KEYS do
  redis.call('LPUSH', KEYS[i], ARGV[i - 1])
end
return held
