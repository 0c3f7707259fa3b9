-- Read a board from just after a seq.
-- ARGV[1] SHA-256 of the proof, ARGV[2] after, ARGV[3] limit, ARGV[4] ttl ms.
-- Returns {'no_board'}, {'wrong_proof'}, or
-- {'ok', head, bytes, upto, snapshot data or false, more (1/0), element1, element2, ...}
-- where an element is "<id> <data>" and the first is seq max(after, upto) + 1.
local meta, refusal = authorized()
if not meta then
  return refusal
end
local head, bytes, upto = tonumber(meta[2]), tonumber(meta[3]), tonumber(meta[4])
local after, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local snapshot = false
if after < upto then
  snapshot = redis.call('GET', KEYS[4])
end
local start = math.max(after, upto)
local rows = {}
if start < head then
  rows = redis.call('LRANGE', KEYS[2], start - upto, start - upto + limit - 1)
end
touch(tonumber(ARGV[4]))
local reply = {'ok', head, bytes, upto, snapshot, (start + #rows < head) and 1 or 0}
for i = 1, #rows do
  reply[#reply + 1] = rows[i]
end
return reply
