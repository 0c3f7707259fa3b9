-- A peer's session ended on this node: its rooms, each marked 'leaving' before the leave scripts
-- run (so that no entry says 'member' of a room the peer has left, whatever happens next), unless
-- the peer's session went on elsewhere (another node, or a newer session here), which registered
-- it since. The peer's history goes in the same step, so that a stream that resumes after this
-- point gets resync rather than a replay of a session whose rooms are being left.
-- KEYS[1] peer node (STRING), KEYS[2] peer rooms (HASH room -> state), KEYS[3] peer sequence,
-- KEYS[4] peer history, KEYS[5] the peer's channel, which hears '#*' (no room is settled any
-- more; see mark.lua). ARGV[1] the session's owner ('<lease id>/<session>').
-- Returns {'moved', owner} when another session holds the peer, else {'mine', room1, room2, ...}.
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then
  return {'moved', owner}
end
redis.call('DEL', KEYS[3], KEYS[4])
local reply = {'mine'}
for _, room in ipairs(redis.call('HKEYS', KEYS[2])) do
  redis.call('HSET', KEYS[2], room, 'leaving')
  reply[#reply + 1] = room
end
redis.call('SPUBLISH', KEYS[5], '#*')
return reply
