--[[
  Enqueues messages into one queue.
  KEYS    the queue keys (includes/queue-helpers.lua)
  ARGV[1] now, ms
  ARGV[2..] groups of three: id, encoded message, options: '' (due now, priority 0, no
          concurrency key), or '<eta>|<priority>|<concurrency key>' (eta in ms, 0 = now;
          priority 0-9; the key as '<limit>|<key>', '' for none)
  Returns the number of messages added. An id already stored is left as it is
  (a repeated taskId does not enqueue twice).
]]
-- @include queue-helpers
local now = tonumber(ARGV[1])
local firstDue = firstDueTime()
local added, wake = 0, false
local ready = {}
for i = 2, #ARGV, 3 do
  local eta, priority, keyed = 0, 0, ''
  local options = ARGV[i + 2]
  if options ~= '' then
    local a = string.find(options, '|', 1, true)
    local b = string.find(options, '|', a + 1, true)
    eta, priority, keyed = tonumber(string.sub(options, 1, a - 1)), tonumber(string.sub(options, a + 1, b - 1)), string.sub(options, b + 1)
  end
  local isNew, wakes = enqueueNew(ARGV[i], ARGV[i + 1], eta, priority, now, ready, firstDue, keyed)
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
