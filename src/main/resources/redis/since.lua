-- What a live subscription missed while its channel was not subscribed (its slot moved to another
-- primary, or its connection came back): the peer's entries after an id. Read-only, one step on
-- the peer's slot.
-- KEYS[1] the peer's sequence, KEYS[2] its history. ARGV[1] the epoch of the last id the
-- subscription had, ARGV[2] that id's number.
-- Returns {'replay', entry1, entry2, ...} (none when nothing was missed), or {'gap'} when the
-- entries are not all there (another epoch, or trimmed).
local seq = redis.call('HMGET', KEYS[1], 'e', 'n')
local epoch, n = seq[1], tonumber(seq[2]) or 0
local after = tonumber(ARGV[2])
if epoch ~= ARGV[1] or after > n then
  return {'gap'}
end
local reply = {'replay'}
if after == n then
  return reply
end
local first = n - redis.call('LLEN', KEYS[2]) + 1
if after + 1 < first then
  return {'gap'}
end
for _, entry in ipairs(redis.call('LRANGE', KEYS[2], after + 1 - first, -1)) do
  reply[#reply + 1] = entry
end
return reply
