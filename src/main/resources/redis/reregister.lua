-- Register a peer again after this node lost its lease or Redis lost its data, unless the peer
-- has meanwhile registered on another node (it resumed there, and belongs there now).
-- KEYS[1] peer node. ARGV[1] this node's lease id, ARGV[2] the session's owner.
-- Returns 1 when the peer is this node's. (owner.lua runs first.)
local owner = redis.call('GET', KEYS[1])
if owner and not owned(owner, ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
