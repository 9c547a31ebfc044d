--[[
  Celery's Redis result backend: SET celery-task-meta-<id> with expiry, then PUBLISH the
  same JSON on a channel of the key's name (a waiting AsyncResult.get() only sees the
  PUBLISH). Like a Celery worker, never overwrites a SUCCESS; a keep-ready write (progress,
  outcome of a dead letter) never overwrites SUCCESS, FAILURE or REVOKED.
  KEYS      the result keys, one per record
  ARGV      triples, in KEYS order: JSON record, expiry in ms, keep-ready flag (1/0)
  Returns the number of records written.
]]
local written = 0
for i = 1, #KEYS do
  local json, ttl, keepReady = ARGV[3 * i - 2], tonumber(ARGV[3 * i - 1]), ARGV[3 * i] == '1'
  local current = redis.call('GET', KEYS[i])
  local status = nil
  if current then
    local ok, meta = pcall(cjson.decode, current)
    if ok and type(meta) == 'table' then
      status = meta.status
    end
  end
  local skip = status == 'SUCCESS' or (keepReady and (status == 'FAILURE' or status == 'REVOKED'))
  if not skip then
    redis.call('SET', KEYS[i], json, 'PX', ttl)
    redis.call('PUBLISH', KEYS[i], json)
    written = written + 1
  end
end
return written
