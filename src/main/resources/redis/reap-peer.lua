-- The rooms of a peer of a dead node, but only if the peer still belongs to that node: a peer
-- that resumed on another node since is alive and must not be reaped. Each room is marked
-- 'leaving' before the reaper runs its leave script, as unregister.lua does, and the peer's
-- history goes (a stream resuming from now on gets resync).
-- KEYS[1] peer node (STRING), KEYS[2] peer rooms (HASH room -> state), KEYS[3] peer sequence,
-- KEYS[4] peer history, KEYS[5] the peer's channel, which hears '#*' (no room is settled any
-- more; see mark.lua). ARGV[1] the dead node's lease id.
-- Returns {} when the peer is not the dead node's, else {'owned', room1, room2, ...}.
-- (owner.lua runs first.)
local owner = redis.call('GET', KEYS[1])
if not owner or not owned(owner, ARGV[1]) then
  return {}
end
redis.call('DEL', KEYS[3], KEYS[4])
local reply = {'owned'}
for _, room in ipairs(redis.call('HKEYS', KEYS[2])) do
  redis.call('HSET', KEYS[2], room, 'leaving')
  reply[#reply + 1] = room
end
redis.call('SPUBLISH', KEYS[5], '#*')
return reply
