--[[
  Stores the result records of one flush, announcing the ready ones to waiters.
  A record written with keep-ready is stored only if no ready (SUCCESS, FAILURE,
  REVOKED) record is kept: a late STARTED of a duplicate delivery never hides a
  finished result, and in workflows the first outcome wins.
  KEYS    the result keys, one per record
  ARGV[1] the prefix of the pub/sub channels on which ready results are announced
  ARGV[2..] groups of four per key: task id, record (JSON), ttl (ms), mode
          mode: 0 store, 1 store and announce, 2 keep-ready, 3 keep-ready and announce
  Returns the number of records stored.
]]
local stored = 0
for i = 1, #KEYS do
  local j = 4 * i - 2
  local mode = tonumber(ARGV[j + 3])
  local write = true
  if mode >= 2 then
    local current = redis.call('GET', KEYS[i])
    if current then
      local ok, record = pcall(cjson.decode, current)
      if ok and type(record) == 'table' and (record.state == 'SUCCESS' or record.state == 'FAILURE' or record.state == 'REVOKED') then
        write = false
      end
    end
  end
  if write then
    redis.call('SET', KEYS[i], ARGV[j + 1], 'PX', ARGV[j + 2])
    if mode % 2 == 1 then
      redis.call('PUBLISH', ARGV[1] .. ARGV[j], ARGV[j + 1])
    end
    stored = stored + 1
  end
end
return stored
