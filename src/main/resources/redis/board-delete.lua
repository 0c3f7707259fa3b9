-- Delete a board: its records, snapshot, ids and proof.
-- ARGV[1] SHA-256 of the proof. Returns {'no_board'}, {'wrong_proof'} or {'ok'}.
local proof = redis.call('HGET', KEYS[1], 'proof')
if not proof then
  return {'no_board'}
end
if proof ~= ARGV[1] then
  return {'wrong_proof'}
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return {'ok'}
