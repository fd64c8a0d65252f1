-- Claims a seat (RedisSeatStore.claim), atomically: two nodes can never seat three people in a room.
-- ARGV: prefix, holdMs, room, holder, socket, node, newSeat ('1'/'0'), peer, seats per room.
local room, holder, socket, node = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local key, member = P .. 'room:' .. room, room .. '\n' .. holder
local fields = redis.call('HGETALL', key)
local held, other, other_holder = nil, '', ''
for i = 1, #fields, 2 do
  if fields[i] == holder then held = fields[i + 1] else other_holder, other = fields[i], fields[i + 1] end
end
local hold = held_back(tonumber(ARGV[2]))
if held then
  local seat = cjson.decode(held)
  local previous = seat.s
  own(node, member, seat.n)
  seat.s, seat.n, seat.a = socket, node, 0
  local encoded = cjson.encode(seat)
  redis.call('HSET', key, holder, encoded)
  return {'ok', encoded, previous, '1', other_holder, other}
end
if ARGV[7] ~= '1' then return {'not-held'} end
if hold then return {'unavailable'} end
if #fields / 2 >= tonumber(ARGV[9]) then return {'room-full'} end
local encoded = cjson.encode({p = ARGV[8], s = socket, n = node, a = 0})
redis.call('HSET', key, holder, encoded)
redis.call('SADD', P .. 'rooms', room)
own(node, member, nil)
return {'ok', encoded, '', '0', other_holder, other}
