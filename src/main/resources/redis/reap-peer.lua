-- The rooms of a peer of a dead node, but only if the peer still belongs to that node: a peer
-- that resumed on another node since is alive and must not be reaped.
-- KEYS[1] peer node (STRING), KEYS[2] peer rooms (SET). ARGV[1] the dead node.
-- Returns {} when the peer is not the dead node's, else {'owned', room1, room2, ...}.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {}
end
local reply = {'owned'}
for _, room in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  reply[#reply + 1] = room
end
return reply
