-- The start of every liveness script (heartbeat.lua, claim.lua): Redis' clock as `now`, in ms,
-- and the pause rule. KEYS[1] leases, KEYS[2] claims, KEYS[3] clock; ARGV[3] the longest gap
-- between liveness scripts that is not a pause.
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
