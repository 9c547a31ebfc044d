--[[
  Celery queues (kombu's keys): pops up to ARGV[2] messages from a queue's priority lists,
  bucket 0 first (kombu's BRPOP order), and records each in kombu's unacked bookkeeping
  exactly as a Celery worker does: HSET unacked <tag> [envelope, exchange, routing_key]
  and ZADD unacked_index <pop time> <tag>, in the same step as the pop (kombu does it in a
  MULTI just after), so a Python worker restores what a lost Node worker held.
  KEYS[1]   unacked (hash)
  KEYS[2]   unacked_index (zset)
  KEYS[3-6] the queue's lists: q, q\x06\x163, q\x06\x166, q\x06\x169
  ARGV[1]   now, unix seconds (float)
  ARGV[2]   most messages to pop
  ARGV[3]   the queue's name (routing key when the envelope names none)
  Returns { earliest unacked_index score or '', tag1, raw1, tag2, raw2, ... }; tag is ''
  for an envelope without a properties.delivery_tag (not recorded: the caller
  dead-letters it).
]]
local out = {}
local max = tonumber(ARGV[2])
local popped = 0
for i = 3, 6 do
  while popped < max do
    local raw = redis.call('RPOP', KEYS[i])
    if not raw then
      break
    end
    popped = popped + 1
    local tag = ''
    local exchange, routing = '', ARGV[3]
    local ok, envelope = pcall(cjson.decode, raw)
    if ok and type(envelope) == 'table' and type(envelope.properties) == 'table' then
      local t = envelope.properties.delivery_tag
      if type(t) == 'string' and t ~= '' then
        tag = t
      end
      local info = envelope.properties.delivery_info
      if type(info) == 'table' then
        if type(info.exchange) == 'string' then
          exchange = info.exchange
        end
        if type(info.routing_key) == 'string' and info.routing_key ~= '' then
          routing = info.routing_key
        end
      end
    end
    if tag ~= '' then
      -- The envelope's own bytes, as kombu keeps them.
      redis.call('HSET', KEYS[1], tag, '[' .. raw .. ',' .. cjson.encode(exchange) .. ',' .. cjson.encode(routing) .. ']')
      redis.call('ZADD', KEYS[2], ARGV[1], tag)
    end
    out[#out + 1] = tag
    out[#out + 1] = raw
  end
end
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
table.insert(out, 1, first[2] or '')
return out
