-- Forget a reaped peer's registration, unless it registered elsewhere meanwhile.
-- KEYS[1] peer node, KEYS[2] peer rooms (HASH). ARGV[1] the dead node. Returns 1 when forgotten.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
