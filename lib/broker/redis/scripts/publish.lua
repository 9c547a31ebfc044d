--[[
  Enqueues messages into one queue.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] now, ms
  ARGV[2..] groups of five: id, encoded message, eta (ms; 0 = now), priority (0-9),
          concurrency key ('<limit>|<key>', '' for none)
  Returns the number of messages added. An id already stored is left as it is
  (a repeated taskId does not enqueue twice).
]]
-- @include queue-helpers
local now = tonumber(ARGV[1])
local firstDue = firstDueTime()
local added, wake = 0, false
local ready = {}
for i = 2, #ARGV, 5 do
  local eta = tonumber(ARGV[i + 2])
  local isNew, wakes = enqueueNew(ARGV[i], ARGV[i + 1], eta, tonumber(ARGV[i + 3]), now, ready, firstDue, ARGV[i + 4])
  if isNew then
    added = added + 1
    wake = wake or wakes
    if eta > now and eta < firstDue then
      firstDue = eta
    end
  end
end
flushReady(ready, wake)
return added
