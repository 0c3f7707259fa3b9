-- The rooms of a peer of a dead node, but only if the peer still belongs to that node: a peer
-- that resumed on another node since is alive and must not be reaped. Each room is marked
-- 'leaving' before the reaper runs its leave script, as unregister.lua does.
-- KEYS[1] peer node (STRING), KEYS[2] peer rooms (HASH room -> state). ARGV[1] the dead node.
-- Returns {} when the peer is not the dead node's, else {'owned', room1, room2, ...}.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {}
end
local reply = {'owned'}
for _, room in ipairs(redis.call('HKEYS', KEYS[2])) do
  redis.call('HSET', KEYS[2], room, 'leaving')
  reply[#reply + 1] = room
end
return reply
