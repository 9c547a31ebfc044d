--[[
  Marks tasks REVOKED unless they have started or ended, each in one step with its
  check, so a result stored meanwhile is never overwritten. A task with no record (or
  one that is not a result record), or one PENDING, RECEIVED or RETRY, is stored
  REVOKED (its other fields kept) and announced to its waiters; a STARTED, SUCCESS,
  FAILURE or REVOKED record stays as it is.
  KEYS    the result keys, one per task
  ARGV[1] the prefix of the pub/sub channels on which ready results are announced
  ARGV[2] ttl of the REVOKED records, ms
  ARGV[3] reason
  ARGV[4] finishedAt, ms
  ARGV[5..] the task ids, in the order of KEYS
  Returns the ids marked REVOKED.
  A kept record goes through cjson: numbers keep 14 significant digits, an empty
  array becomes {}. Only records of tasks that have not started are rewritten, and
  those hold ids, names, counts, times and a retried attempt's error.
]]
local NOT_STARTED = { PENDING = true, RECEIVED = true, RETRY = true }
local finishedAt = tonumber(ARGV[4])
local marked = {}
for i = 1, #KEYS do
  local id = ARGV[4 + i]
  -- Not a string (WRONGTYPE, written by hand) or not a record: there is no result to keep.
  local current = redis.pcall('GET', KEYS[i])
  local record
  if type(current) == 'string' then
    local ok, decoded = pcall(cjson.decode, current)
    if ok and type(decoded) == 'table' and type(decoded.state) == 'string' then
      record = decoded
    end
  end
  if record == nil or NOT_STARTED[record.state] then
    record = record or {}
    record.id = id
    record.state = 'REVOKED'
    record.reason = ARGV[3]
    record.finishedAt = finishedAt
    local json = cjson.encode(record)
    redis.call('SET', KEYS[i], json, 'PX', ARGV[2])
    redis.call('PUBLISH', ARGV[1] .. id, json)
    marked[#marked + 1] = id
  end
end
return marked
