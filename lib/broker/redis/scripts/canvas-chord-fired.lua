--[[
  Marks a chord as fired once its callback was sent (or its failure passed on),
  and drops the members' outcomes (workflows, lib/canvas).
  KEYS[1] parts          hash: member index -> outcome (JSON)
  KEYS[2] state          set to 'fired' here
  KEYS[3] first-failure  index of the first member that failed
  ARGV[1] ttl of the marker, ms
  Returns 1.
]]
redis.call('SET', KEYS[2], 'fired', 'PX', tonumber(ARGV[1]))
redis.call('DEL', KEYS[1], KEYS[3])
return 1
