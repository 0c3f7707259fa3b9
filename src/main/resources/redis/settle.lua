-- The room's script of a join or a leave answered: the peer's entry for that room takes the
-- outcome, but only if it still holds the state mark.lua wrote for this very operation. Any other
-- operation on the room since then (another join or leave, a session ending, a reaper) replaced it,
-- and the room scripts may have run in an order this operation cannot know.
-- KEYS[1] peer rooms (HASH room -> state), KEYS[2] the peer's channel. ARGV[1] room, ARGV[2] the state mark.lua wrote,
-- ARGV[3] 'member' (the join script answered 'joined' or 'member') or '' (the join found the room
-- full, or the leave script ran: not a member). Returns 1 when settled, 0 when left alone.
-- A settled member is told on the peer's channel, '#+<room>' (see mark.lua); the other outcomes
-- change nothing a copy holds, as the mark had already said the peer is not a settled member.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  redis.call('SPUBLISH', KEYS[2], '#+' .. ARGV[1])
end
return 1
