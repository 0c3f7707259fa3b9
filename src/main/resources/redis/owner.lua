-- The start of the scripts that check who owns a peer's session (unregister, reap-peer,
-- forget-peer, reregister). An owner is '<lease id>/<session>'; `owned(owner, who)` is true when
-- `who` is that very owner, or the lease id of the node that holds it (lease ids hold no '/').
local function owned(owner, who)
  return owner == who or string.sub(owner, 1, #who + 1) == who .. '/'
end
