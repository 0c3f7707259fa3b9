-- Number, keep and publish one event for a peer, as one step on the peer's slot: what is
-- published is exactly what a resumed stream can replay, with the same id.
-- KEYS[1] peer sequence (HASH e: epoch, n: last number, b: bytes kept, t: turn of the last attach),
-- KEYS[2] peer history (LIST of '<n> <ms> <event>\n<data>', oldest first), KEYS[3] peer channel.
-- ARGV[1] '<event>\n<data>', ARGV[2] most events kept, ARGV[3] most bytes kept, ARGV[4] most age
-- (ms), ARGV[5] the epoch of a history made now (the peer has none), ARGV[6] ttl (ms) of the sequence.
-- KEYS[4], when given, the peer's rooms (HASH room -> state), and ARGV[7..] rooms: the event is
-- delivered only if the peer is a settled member of one of them, checked in this same step (a relay
-- authorized from the sender's side alone, RedisRooms#knownRooms); else nothing changes and 0 is
-- returned.
-- Publishes '<epoch>-<n> <event>\n<data>' and returns n.
if KEYS[4] then
  local member = false
  for _, state in ipairs(redis.call('HMGET', KEYS[4], unpack(ARGV, 7))) do
    if state == 'member' then
      member = true
      break
    end
  end
  if not member then
    return 0
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = redis.call('HMGET', KEYS[1], 'e', 'n', 'b')
local epoch, n, bytes = seq[1], tonumber(seq[2]) or 0, tonumber(seq[3]) or 0
if not epoch then
  epoch, n = ARGV[5], 0
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch, 't', 0)
end
n = n + 1
local entry = n .. ' ' .. now .. ' ' .. ARGV[1]
local len = redis.call('RPUSH', KEYS[2], entry)
-- A list found empty (new, or expired by age) holds nothing the byte count still counted.
if len == 1 then
  bytes = #entry
else
  bytes = bytes + #entry
end
local most, cap, oldest = tonumber(ARGV[2]), tonumber(ARGV[3]), now - tonumber(ARGV[4])
while len > 0 do
  local head = redis.call('LINDEX', KEYS[2], 0)
  if len <= most and bytes <= cap and tonumber(string.match(head, '^%d+ (%d+)')) >= oldest then
    break
  end
  redis.call('LPOP', KEYS[2])
  bytes = bytes - #head
  len = len - 1
end
redis.call('HSET', KEYS[1], 'n', n, 'b', bytes)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
-- Nothing in the list is older than the age once the last event is: it may go as a whole.
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('SPUBLISH', KEYS[3], epoch .. '-' .. n .. ' ' .. ARGV[1])
return n
