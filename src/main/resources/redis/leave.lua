-- Leave a room. Removing is what decides who reports a departure: of two nodes removing the
-- same member (a reaper and a late leave), only the one whose ZREM removed it gets an answer.
-- KEYS as in join.lua. ARGV[1] peer id.
-- Returns {} when the peer was not a member, else {'left', username, id1, name1, ...} with the
-- members that remain, in join order. An emptied room leaves no key behind.
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return {}
end
local reply = {'left', redis.call('HGET', KEYS[2], ARGV[1]) or ''}
redis.call('HDEL', KEYS[2], ARGV[1])
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  reply[#reply + 1] = id
  reply[#reply + 1] = redis.call('HGET', KEYS[2], id) or ''
end
if #reply == 2 then
  redis.call('DEL', KEYS[2], KEYS[3])
end
return reply
