-- Renew this node's lease, on Redis' clock so that nodes need no synchronised clocks.
-- KEYS[1] leases (ZSET node -> deadline ms), KEYS[2] claims (ZSET node -> claim deadline ms),
-- KEYS[3] clock (ms of the last liveness script). ARGV[1] this node, ARGV[2] lease ttl ms,
-- ARGV[3] the longest gap between liveness scripts that is not a pause.
-- Returns 1 renewed; 2 created afresh (first beat, or the lease was gone: Redis lost its data or
-- a survivor reaped this node); 0 a survivor is reaping this node right now: no renewal, since a
-- renewed lease must never coexist with a reaper at work.
-- (liveness-clock.lua runs first and sets `now`.)
local claim = redis.call('ZSCORE', KEYS[2], ARGV[1])
if claim then
  if tonumber(claim) > now then
    return 0
  end
  -- The reaper died before it finished: take the lease back rather than wait for another.
  redis.call('ZREM', KEYS[2], ARGV[1])
end
if redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) == 1 then
  return 2
end
return 1
