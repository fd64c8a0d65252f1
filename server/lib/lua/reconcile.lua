-- Puts a node's seats back after Redis lost or doubted them.
-- ARGV: prefix, holdMs, node, seats per room, then room, holder, socket ('' = away), peer for
-- each seat the node holds or times. Puts them back as the node knows them, and takes over the
-- grace of seats the node owns in Redis but no longer knows (their socket dropped while Redis was
-- away). Returns {'evict', socket} and {'adopt', room, holder, awayMs} items.
local node, capacity = ARGV[3], tonumber(ARGV[4])
local t = now()
held_back(tonumber(ARGV[2]))
redis.call('ZADD', P .. 'nodes', t, node)
local mine, out = {}, {}
for i = 5, #ARGV, 4 do
  local room, holder, socket, peer = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local key, member = P .. 'room:' .. room, room .. '\n' .. holder
  mine[member] = true
  local raw = redis.call('HGET', key, holder)
  if raw then
    local seat = cjson.decode(raw)
    if seat.s == socket or (seat.s == '' and socket ~= '') then
      own(node, member, seat.n)
      if socket ~= '' then seat.a = 0 end
      seat.s, seat.n = socket, node
      redis.call('HSET', key, holder, cjson.encode(seat))
    elseif socket ~= '' then
      table.insert(out, 'evict')
      table.insert(out, socket)
    end
  elseif redis.call('HLEN', key) < capacity then
    local away = 0
    if socket == '' then away = t end
    redis.call('HSET', key, holder, cjson.encode({p = peer, s = socket, n = node, a = away}))
    redis.call('SADD', P .. 'rooms', room)
    own(node, member, nil)
  elseif socket ~= '' then
    table.insert(out, 'evict')
    table.insert(out, socket)
  end
end
for _, member in ipairs(redis.call('SMEMBERS', P .. 'node:' .. node)) do
  if not mine[member] then
    local cut = string.find(member, '\n', 1, true)
    local room, holder = string.sub(member, 1, cut - 1), string.sub(member, cut + 1)
    local raw = redis.call('HGET', P .. 'room:' .. room, holder)
    local seat = raw and cjson.decode(raw)
    if seat and seat.n == node then
      if seat.s ~= '' then
        seat.s, seat.a = '', t
        redis.call('HSET', P .. 'room:' .. room, holder, cjson.encode(seat))
      end
      table.insert(out, 'adopt')
      table.insert(out, room)
      table.insert(out, holder)
      table.insert(out, tostring(math.max(0, t - seat.a)))
    else
      redis.call('SREM', P .. 'node:' .. node, member)
    end
  end
end
return out
