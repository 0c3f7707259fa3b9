-- Claim the nodes whose lease lapsed, atomically, so that exactly one survivor reaps each:
-- a claimed node leaves the leases and enters the claims with a deadline. A claim whose deadline
-- passed (its reaper died) is claimed again. A node never claims itself: it is alive.
-- Node ids here are incarnations (node name + random suffix), so a restarted process that kept its
-- name reaps its previous life like any other dead node.
-- KEYS as in heartbeat.lua. ARGV[1] this node, ARGV[2] claim ttl ms, ARGV[3] as in heartbeat.lua.
-- Returns the claimed node ids.
-- (liveness-clock.lua runs first and sets `now`.)
-- Only a node holding a valid lease judges others. After Redis stalled, or every node lost Redis
-- for longer than a lease, all leases lapsed together, the claimant's too: nobody is claimed
-- until the living have renewed.
local mine = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not mine or tonumber(mine) <= now then
  return {}
end
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
