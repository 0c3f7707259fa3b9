-- Shared by the board scripts. Every key of a board has the hash tag {board:<roomId>}, so a
-- script touches one slot. KEYS[1] meta (HASH proof, head, bytes, upto), KEYS[2] log (LIST of
-- "<id> <data>", the kept records in seq order: element i is seq upto+1+i), KEYS[3] ids (HASH
-- id -> seq of every record ever appended), KEYS[4] snap (STRING, the snapshot's data).
-- Retention: every key of the board expires together, ttl ms after the last authorized
-- operation; a ttl of 0 keeps them.
local function touch(ttl)
  for i = 1, 4 do
    if ttl > 0 then
      redis.call('PEXPIRE', KEYS[i], ttl)
    else
      redis.call('PERSIST', KEYS[i])
    end
  end
end

-- The board's meta (proof, head, bytes, upto) if the proof hash in ARGV[1] opens it; else nil
-- and the refusal to return: {'no_board'} or {'wrong_proof'}.
local function authorized()
  local meta = redis.call('HMGET', KEYS[1], 'proof', 'head', 'bytes', 'upto')
  if not meta[1] then
    return nil, {'no_board'}
  end
  if meta[1] ~= ARGV[1] then
    return nil, {'wrong_proof'}
  end
  return meta
end
