-- Renew this node's lease, on Redis' clock so that nodes need no synchronised clocks.
-- KEYS[1] leases (ZSET node -> deadline ms), KEYS[2] claims (ZSET node -> claim deadline ms),
-- KEYS[3] clock (ms of the last liveness script). ARGV[1] this node, ARGV[2] lease ttl ms,
-- ARGV[3] the longest gap between liveness scripts that is not a pause.
-- Returns 1 renewed; 2 created afresh (first beat, or the lease was gone: Redis lost its data or
-- a survivor reaped this node); 0 a survivor is reaping this node right now: no renewal, since a
-- renewed lease must never coexist with a reaper at work.
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
