-- Replace every record with seq <= upTo, and the older snapshot, by one snapshot, atomically.
-- ARGV[1] SHA-256 of the proof, ARGV[2] upTo, ARGV[3] the snapshot's data, ARGV[4] the room cap,
-- ARGV[5] ttl ms.
-- Returns {'no_board'}, {'wrong_proof'}, {'stale_snapshot', upto, head},
-- {'board_full', bytes, would_hold}, or {'ok', head, bytes}.
local meta, refusal = authorized()
if not meta then
  return refusal
end
local head, bytes, upto = tonumber(meta[2]), tonumber(meta[3]), tonumber(meta[4])
local target = tonumber(ARGV[2])
if target > head or target <= upto then
  return {'stale_snapshot', upto, head}
end
local folded = target - upto
local dropped = 0
for _, element in ipairs(redis.call('LRANGE', KEYS[2], 0, folded - 1)) do
  dropped = dropped + #element - string.find(element, ' ', 1, true)
end
local result = bytes - dropped - redis.call('STRLEN', KEYS[4]) + #ARGV[3]
if result > tonumber(ARGV[4]) then
  return {'board_full', bytes, result}
end
-- The ids of the folded records stay in KEYS[3]: a retried append of one is still a duplicate.
redis.call('LTRIM', KEYS[2], folded, -1)
redis.call('SET', KEYS[4], ARGV[3])
redis.call('HSET', KEYS[1], 'bytes', result, 'upto', target)
touch(tonumber(ARGV[5]))
return {'ok', head, result}
