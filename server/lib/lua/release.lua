-- Frees a seat (RedisSeatStore.release and releaseIfAway).
-- ARGV: prefix, room, holder, onlyIfAway ('1'/'0'), node. A grace timer frees only a seat that is
-- still away and still this node's: after a retake on another node, that node runs the grace.
local room, holder = ARGV[2], ARGV[3]
local key = P .. 'room:' .. room
local raw = redis.call('HGET', key, holder)
if not raw then return false end
local seat = cjson.decode(raw)
if ARGV[4] == '1' and (seat.s ~= '' or seat.n ~= ARGV[5]) then return false end
redis.call('HDEL', key, holder)
redis.call('SREM', P .. 'node:' .. seat.n, room .. '\n' .. holder)
if redis.call('EXISTS', key) == 0 then redis.call('SREM', P .. 'rooms', room) end
return raw
