-- Marks a seat away if the socket still holds it (RedisSeatStore.detach).
-- ARGV: prefix, room, holder, socket.
local raw = redis.call('HGET', P .. 'room:' .. ARGV[2], ARGV[3])
if not raw then return 0 end
local seat = cjson.decode(raw)
if seat.s ~= ARGV[4] then return 0 end
seat.s, seat.a = '', now()
redis.call('HSET', P .. 'room:' .. ARGV[2], ARGV[3], cjson.encode(seat))
return 1
