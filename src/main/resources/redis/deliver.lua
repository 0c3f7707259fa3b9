-- Number, keep and publish one event for a peer, as one step on the peer's slot: what is
-- published is exactly what a resumed stream can replay, with the same id.
-- KEYS[1] peer sequence (HASH e: epoch, n: last number, b: bytes kept, h: a time no later than the
-- oldest entry's, x: when the expiries were last set, t: turn of the last attach),
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
local seq = redis.call('HMGET', KEYS[1], 'e', 'n', 'b', 'h', 'x')
local epoch, n, bytes = seq[1], tonumber(seq[2]) or 0, tonumber(seq[3]) or 0
local head_at, expiries_at = tonumber(seq[4]) or 0, tonumber(seq[5])
if not epoch then
  epoch, n = ARGV[5], 0
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch, 't', 0)
end
n = n + 1
local entry = n .. ' ' .. now .. ' ' .. ARGV[1]
local len = redis.call('RPUSH', KEYS[2], entry)
-- A list found empty (new, or expired by age) holds nothing the byte count still counted, and has
-- no expiry yet.
if len == 1 then
  bytes, head_at, expiries_at = #entry, now, nil
else
  bytes = bytes + #entry
end
-- Trimmed from the oldest end. Over the count or the bytes, the head goes unread (LPOP says what it
-- was); for the age it is read first, and only when head_at does not already say it is young
-- enough: a popped entry's time is no later than the next one's, so most events read nothing.
local most, cap, age = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local oldest = now - age
while len > 0 and (len > most or bytes > cap or head_at < oldest) do
  local over = len > most or bytes > cap
  local head
  if over then
    head = redis.call('LPOP', KEYS[2])
  else
    head = redis.call('LINDEX', KEYS[2], 0)
  end
  head_at = tonumber(string.match(head, '^%d+ (%d+)'))
  if not over then
    if head_at >= oldest then
      break
    end
    redis.call('LPOP', KEYS[2])
  end
  bytes = bytes - #head
  len = len - 1
end
-- The expiries are set a margin longer than needed, and again only once the margin is spent: the
-- sequence outlives its last event by its ttl, and the list by the age (nothing in it is older than
-- the age once the last event is: it may go as a whole).
local margin = math.floor(age / 8)
if not expiries_at or now - expiries_at >= margin then
  expiries_at = now
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]) + margin)
  redis.call('PEXPIRE', KEYS[2], age + margin)
end
redis.call('HSET', KEYS[1], 'n', n, 'b', bytes, 'h', head_at, 'x', expiries_at)
redis.call('SPUBLISH', KEYS[3], epoch .. '-' .. n .. ' ' .. ARGV[1])
return n
