--[[
  Counts one chord member's outcome (workflows, lib/canvas).
  KEYS[1] parts          hash: member index -> outcome (JSON)
  KEYS[2] state          absent while counting; 'c:<index>' once member <index>
                         completed the count; 'fired' once the callback was sent
                         (or the chord's failure passed on)
  KEYS[3] first-failure  index of the first member that failed
  ARGV[1] member index
  ARGV[2] the member's outcome (JSON)
  ARGV[3] chord size (members)
  ARGV[4] ttl of the chord's state, ms
  ARGV[5] '1' when the outcome is a failure
  Returns { firstFailure, complete, failedIndex, index, outcome, index, outcome, ... }:
  firstFailure is 1 for the first failed member only. complete is 1, with every
  outcome, for the one member whose outcome completed the count, and again for
  that member only (its message delivered again) until the chord has fired. A
  member counted twice does not count again. failedIndex is the first failure's
  index or -1.
]]
local state = redis.call('GET', KEYS[2])
if state == 'fired' then
  return { 0, 0, -1 }
end
local ttl = tonumber(ARGV[4])
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
local first = 0
if ARGV[5] == '1' and redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ttl) then
  first = 1
end
local completer = 'c:' .. ARGV[1]
if state then
  if state ~= completer then
    return { first, 0, -1 }
  end
elseif redis.call('HLEN', KEYS[1]) < tonumber(ARGV[3]) then
  return { first, 0, -1 }
else
  redis.call('SET', KEYS[2], completer, 'PX', ttl)
end
local failed = redis.call('GET', KEYS[3])
local reply = { first, 1, failed and tonumber(failed) or -1 }
local parts = redis.call('HGETALL', KEYS[1])
for i = 1, #parts do
  reply[#reply + 1] = parts[i]
end
return reply
