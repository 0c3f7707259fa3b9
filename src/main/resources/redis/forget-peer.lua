-- Forget a peer whose rooms were left (unregister, reaping), unless it registered elsewhere
-- meanwhile: its registration, its room states, its history.
-- KEYS[1] peer node, KEYS[2] peer rooms (HASH), KEYS[3] peer sequence, KEYS[4] peer history
-- (KEYS[5], the peer's channel, is not used: nothing was a settled member any more).
-- ARGV[1] the owner ('<lease id>/<session>') or the dead node's lease id. Returns 1 when forgotten.
-- (owner.lua runs first.)
local owner = redis.call('GET', KEYS[1])
if owner and not owned(owner, ARGV[1]) then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1
