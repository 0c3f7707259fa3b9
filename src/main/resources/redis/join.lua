-- Join a room, atomically: the member check, the size check, reading who is there and adding
-- the joiner happen as one step, so two peers joining at once see each other exactly once.
-- KEYS[1] room members (ZSET id -> join number), KEYS[2] room names (HASH id -> username),
-- KEYS[3] room join counter; all in the room's slot.
-- ARGV[1] peer id, ARGV[2] username, ARGV[3] maximum size.
-- Returns {'member'}, {'full'}, or {'joined', id1, name1, id2, name2, ...} in join order.
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return {'member'}
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return {'full'}
end
local reply = {'joined'}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  reply[#reply + 1] = id
  reply[#reply + 1] = redis.call('HGET', KEYS[2], id) or ''
end
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return reply
