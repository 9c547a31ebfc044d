--[[
  Stores a task's result unless a ready one (SUCCESS, FAILURE, REVOKED) is already
  kept: a late STARTED of a duplicate delivery never hides a finished result, and
  in workflows the first outcome wins. A ready record is announced to waiters.
  KEYS[1] the result key
  ARGV[1] the record (JSON)
  ARGV[2] ttl, ms
  ARGV[3] the pub/sub channel on which ready results are announced
  ARGV[4] '1' when the record is ready (announce it), else '0'
  Returns 1 when stored, 0 when a ready result was there.
]]
local current = redis.call('GET', KEYS[1])
if current then
  local ok, record = pcall(cjson.decode, current)
  if ok and type(record) == 'table' and (record.state == 'SUCCESS' or record.state == 'FAILURE' or record.state == 'REVOKED') then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
if ARGV[4] == '1' then
  redis.call('PUBLISH', ARGV[3], ARGV[1])
end
return 1
