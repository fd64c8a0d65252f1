-- A node shutting down (RedisSeatStore.close).
-- ARGV: prefix, node. Its sockets are gone from now on (they reconnect to another node and take
-- their seats back); the next heartbeat of a live node adopts what is left.
local node = ARGV[2]
local t = now()
for _, member in ipairs(redis.call('SMEMBERS', P .. 'node:' .. node)) do
  local cut = string.find(member, '\n', 1, true)
  local key, holder = P .. 'room:' .. string.sub(member, 1, cut - 1), string.sub(member, cut + 1)
  local raw = redis.call('HGET', key, holder)
  local seat = raw and cjson.decode(raw)
  if seat and seat.n == node and seat.s ~= '' then
    seat.s, seat.a = '', t
    redis.call('HSET', key, holder, cjson.encode(seat))
  end
end
redis.call('ZADD', P .. 'nodes', 0, node)
return 1
