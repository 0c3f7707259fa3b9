-- A join or a leave of one room is about to run the room's script (join.lua, leave.lua): the
-- peer's entry for that room says so first, so that a relay never takes it for a settled member
-- meanwhile, and a reaper finds the room whatever happens next (see RedisRooms).
-- KEYS[1] peer rooms (HASH room -> state), KEYS[2] the peer's channel. ARGV[1] room, ARGV[2] this
-- operation's state,
-- 'joining <op>' or 'leaving <op>' with an id no other operation uses.
-- A room that is settled ('member', or no entry) takes ARGV[2]. A room that another join or leave
-- is still working on (or whose node died midway) becomes 'unsure' for good: the two room scripts
-- may run in either order, so neither operation may settle the entry afterwards; a relay then asks
-- the room itself. Either way the peer's channel hears '#-<room> <ARGV[2]>': the node holding the
-- peer's stream keeps a copy of the rooms it is a settled member of (RedisBus, Memberships).
-- Returns 1 when ARGV[2] was written, 0 when 'unsure' was.
local state = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('SPUBLISH', KEYS[2], '#-' .. ARGV[1] .. ' ' .. ARGV[2])
if state and state ~= 'member' then
  redis.call('HSET', KEYS[1], ARGV[1], 'unsure')
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
