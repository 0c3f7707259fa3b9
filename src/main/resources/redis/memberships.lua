-- The rooms a peer is a settled member of, told on its own channel as '#=<room> <room> ...', so
-- that the node holding its stream (re)starts its copy of them in the channel's order (see
-- mark.lua, RedisBus): everything the channel says after this is newer than it.
-- KEYS[1] peer rooms (HASH room -> state), KEYS[2] the peer's channel. Returns the number of rooms.
local rooms = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i + 1] == 'member' then
    rooms[#rooms + 1] = all[i]
  end
end
redis.call('SPUBLISH', KEYS[2], '#=' .. table.concat(rooms, ' '))
return #rooms
