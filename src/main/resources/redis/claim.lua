-- Claim the nodes whose lease lapsed, atomically, so that exactly one survivor reaps each:
-- a claimed node leaves the leases and enters the claims with a deadline. A claim whose deadline
-- passed (its reaper died) is claimed again. A node never claims itself: it is alive.
-- KEYS[1] leases, KEYS[2] claims. ARGV[1] this node, ARGV[2] claim ttl ms.
-- Returns the claimed node ids.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[2])
local claimed = {}
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  if node ~= ARGV[1] then
    redis.call('ZREM', KEYS[1], node)
    redis.call('ZADD', KEYS[2], until_ms, node)
    claimed[#claimed + 1] = node
  end
end
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  if node ~= ARGV[1] then
    redis.call('ZADD', KEYS[2], until_ms, node)
    claimed[#claimed + 1] = node
  end
end
return claimed
