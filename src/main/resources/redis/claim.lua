-- Claim the nodes whose lease lapsed, atomically, so that exactly one survivor reaps each:
-- a claimed node leaves the leases and enters the claims with a deadline. A claim whose deadline
-- passed (its reaper died) is claimed again. A node never claims itself: it is alive.
-- Node ids here are incarnations (node name + random suffix), so a restarted process that kept its
-- name reaps its previous life like any other dead node.
-- KEYS as in heartbeat.lua. ARGV[1] this node, ARGV[2] claim ttl ms, ARGV[3] as in heartbeat.lua.
-- Returns the claimed node ids.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- Time in which Redis ran no liveness script at all is nobody's fault: Redis stalled, or no node
-- could reach it. Every deadline moves forward by that gap, so that the first script to run after
-- it does not find every lease lapsed and reap the living. (Live nodes beat more often than the
-- threshold, so a gap that large never happens while Redis and its clients are well.)
local last = redis.call('GET', KEYS[3])
local gap = last and (now - tonumber(last)) or 0
if gap > tonumber(ARGV[3]) then
  for _, key in ipairs({KEYS[1], KEYS[2]}) do
    local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
    for i = 1, #entries, 2 do
      redis.call('ZADD', key, tonumber(entries[i + 1]) + gap, entries[i])
    end
  end
end
redis.call('SET', KEYS[3], now)
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
