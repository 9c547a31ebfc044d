--[[
  Start slots of one rate-limited task, shared by every worker: a grid of slots
  `interval` apart (GCRA with reservations). Starts are always at least `interval`
  apart; a caller turned away gets the next free slot (a ticket) and comes back with
  it, so waiting messages keep their place instead of being overtaken by newcomers.
  Time is the Redis server's, so workers on hosts whose clocks differ share one grid.
  KEYS[1] the task's rate hash: last (last start), next (first slot not handed out),
          changed (time of the last runtime rate change: older tickets are void),
          interval (runtime override, ms; wins over ARGV[1])
  ARGV[1] interval, ms (the task's declared rate)
  ARGV[2] ticket slot (0: no ticket)
  ARGV[3] ticket issue time
  Returns { 0 } to start now (the start is recorded), else { wait ms, slot, issued }:
  the ticket to come back with.
]]
pcall(redis.replicate_commands) -- Redis < 5 needs it before TIME; a no-op since
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'last', 'next', 'changed', 'interval')
local last = tonumber(state[1]) or -math.huge
local nextFree = tonumber(state[2]) or 0
local changed = tonumber(state[3]) or 0
local interval = tonumber(state[4]) or tonumber(ARGV[1])
local slot, issued = tonumber(ARGV[2]), tonumber(ARGV[3])

local function keep(ms)
  redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(nextFree, now) - now + interval * 2 + 60000))
  return ms
end

local function start()
  redis.call('HSET', KEYS[1], 'last', now, 'next', math.max(nextFree, now + interval))
  keep(0)
  return { 0 }
end

-- A ticket still valid: issued at the current rate, and no start has happened at or
-- after its slot (a slot overtaken, e.g. its message came back very late, is void).
if slot > 0 and issued >= changed and slot > last then
  local at = math.max(slot, last + interval)
  if now >= at then
    return start()
  end
  return { keep(math.ceil(at - now)), slot, issued }
end

local at = math.max(nextFree, last + interval)
if now >= at then
  return start()
end
nextFree = at + interval
redis.call('HSET', KEYS[1], 'next', nextFree)
return { keep(math.ceil(at - now)), at, now }
