-- A stream becomes the peer's live one: cut the peer's history (made now if it has none), read
-- what comes after the id the stream resumes from, and publish a takeover at that very point of
-- the channel, so that older streams stop there. One step on the peer's slot.
-- KEYS as in deliver.lua. ARGV[1] the epoch of a history made now, ARGV[2] the stream's name,
-- ARGV[3] the epoch of the id to resume after ('' for none), ARGV[4] that id's number,
-- ARGV[5] ttl (ms) of the sequence.
-- Publishes '!<epoch> <turn> <stream>'. Returns {epoch, n, turn, 'replay', entry1, entry2, ...}
-- with the entries after the id (none without one), or {epoch, n, turn, 'gap', reason} when they
-- are not all there: another epoch (the history was lost, or the id is not from it), or trimmed.
local seq = redis.call('HMGET', KEYS[1], 'e', 'n')
local epoch, n = seq[1], tonumber(seq[2]) or 0
if not epoch then
  epoch, n = ARGV[1], 0
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch, 'n', 0, 'b', 0)
end
local turn = redis.call('HINCRBY', KEYS[1], 't', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SPUBLISH', KEYS[3], '!' .. epoch .. ' ' .. turn .. ' ' .. ARGV[2])
local reply = {epoch, n, turn, 'replay'}
if ARGV[3] == '' then
  return reply
end
local after = tonumber(ARGV[4])
if ARGV[3] ~= epoch or after > n then
  reply[4], reply[5] = 'gap', 'unknown-history'
  return reply
end
local first = n - redis.call('LLEN', KEYS[2]) + 1
if after + 1 < first then
  reply[4], reply[5] = 'gap', 'trimmed'
  return reply
end
for _, entry in ipairs(redis.call('LRANGE', KEYS[2], after + 1 - first, -1)) do
  reply[#reply + 1] = entry
end
return reply
