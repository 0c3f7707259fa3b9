-- Delete a board: its records, snapshot, ids and proof.
-- ARGV[1] SHA-256 of the proof. Returns {'no_board'}, {'wrong_proof'} or {'ok'}.
local meta, refusal = authorized()
if not meta then
  return refusal
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return {'ok'}
