-- A node's heartbeat, which also adopts the seats of dead nodes.
-- ARGV: prefix, holdMs, node, nodeTimeoutMs. Returns {known ('1'/'0'), then room, holder, awayMs
-- for each seat adopted from a dead node}.
local node = ARGV[3]
local t = now()
held_back(tonumber(ARGV[2]))
local known = redis.call('ZSCORE', P .. 'nodes', node)
redis.call('ZADD', P .. 'nodes', t, node)
local out = {known and '1' or '0'}
local dead = redis.call('ZRANGEBYSCORE', P .. 'nodes', '-inf', t - tonumber(ARGV[4]), 'WITHSCORES')
for i = 1, #dead, 2 do
  local gone, last = dead[i], tonumber(dead[i + 1])
  redis.call('ZREM', P .. 'nodes', gone)
  for _, member in ipairs(redis.call('SMEMBERS', P .. 'node:' .. gone)) do
    local cut = string.find(member, '\n', 1, true)
    local room, holder = string.sub(member, 1, cut - 1), string.sub(member, cut + 1)
    local raw = redis.call('HGET', P .. 'room:' .. room, holder)
    if raw then
      local seat = cjson.decode(raw)
      if seat.n == gone then
        -- Its socket died with the node, at the latest right after the node's last heartbeat.
        if seat.s ~= '' then seat.s, seat.a = '', last end
        seat.n = node
        redis.call('HSET', P .. 'room:' .. room, holder, cjson.encode(seat))
        redis.call('SADD', P .. 'node:' .. node, member)
        table.insert(out, room)
        table.insert(out, holder)
        table.insert(out, tostring(math.max(0, t - seat.a)))
      end
    end
  end
  redis.call('DEL', P .. 'node:' .. gone)
end
return out
