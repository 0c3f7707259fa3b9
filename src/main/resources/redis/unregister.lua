-- A peer's session ended on this node: its rooms, each marked 'leaving' before the leave scripts
-- run (so that no entry says 'member' of a room the peer has left, whatever happens next), unless
-- the peer's session went on on another node, which registered it since.
-- KEYS[1] peer node (STRING), KEYS[2] peer rooms (HASH room -> state). ARGV[1] this node.
-- Returns {'moved'} when another node holds the peer, else {'mine', room1, room2, ...}.
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then
  return {'moved'}
end
local reply = {'mine'}
for _, room in ipairs(redis.call('HKEYS', KEYS[2])) do
  redis.call('HSET', KEYS[2], room, 'leaving')
  reply[#reply + 1] = room
end
return reply
