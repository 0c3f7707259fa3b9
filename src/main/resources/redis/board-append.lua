-- Append records to a board, all or nothing, skipping every id ever appended (idempotent).
-- ARGV[1] SHA-256 of the proof, ARGV[2] the room cap in bytes, ARGV[3] ttl ms,
-- ARGV[4], ARGV[5], ...: id, data of each record, in order.
-- Returns {'wrong_proof'}, {'board_full', bytes, would_hold}, or
-- {'ok', head, bytes, stored, seq1, seq2, ...} where a seq is -1 for a duplicate folded into the snapshot.
local meta = redis.call('HMGET', KEYS[1], 'proof', 'head', 'bytes', 'upto')
local head, bytes, upto = 0, 0, 0
if meta[1] then
  if meta[1] ~= ARGV[1] then
    return {'wrong_proof'}
  end
  head, bytes, upto = tonumber(meta[2]), tonumber(meta[3]), tonumber(meta[4])
end
local seqs, fresh, push, ids = {}, {}, {}, {}
local last, added = head, 0
for i = 4, #ARGV, 2 do
  local id = ARGV[i]
  local seq = fresh[id]
  if not seq then
    local old = meta[1] and redis.call('HGET', KEYS[3], id)
    if old then
      old = tonumber(old)
      if old <= upto then seq = -1 else seq = old end
    else
      last = last + 1
      seq = last
      fresh[id] = seq
      push[#push + 1] = id .. ' ' .. ARGV[i + 1]
      ids[#ids + 1] = id
      ids[#ids + 1] = seq
      added = added + #ARGV[i + 1]
    end
  end
  seqs[#seqs + 1] = seq
end
if bytes + added > tonumber(ARGV[2]) then
  return {'board_full', bytes, bytes + added}
end
if not meta[1] then
  -- A new board: nothing of an earlier one with this room id may survive in its place.
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
end
if #push > 0 then
  redis.call('RPUSH', KEYS[2], unpack(push))
  redis.call('HSET', KEYS[3], unpack(ids))
end
redis.call('HSET', KEYS[1], 'proof', ARGV[1], 'head', last, 'bytes', bytes + added, 'upto', upto)
touch(tonumber(ARGV[3]))
local reply = {'ok', last, bytes + added, #push}
for i = 1, #seqs do
  reply[#reply + 1] = seqs[i]
end
return reply
