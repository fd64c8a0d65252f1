-- Prepended to every script below (seats-redis.ts reads them at start). ARGV[1] is the key prefix.
--
-- Seats live in one hash per room, under their holder: an HMAC of the session, never the session,
-- so whoever reads Redis cannot take a seat back (holder -> JSON {p: peer, s: socket id or '' while
-- away, n: owning node, a: away since, Redis clock ms}). Each node keeps a set of the seats it owns,
-- and a sorted set holds every node's last heartbeat: a live node adopts the seats of a silent one.
-- `alive` marks a database that has seen this cluster: when it is missing, Redis lost its data, and
-- `hold` keeps new seats waiting until every node has put back the seats its sockets hold.
local P = ARGV[1]
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function held_back(hold_ms)
  if redis.call('EXISTS', P .. 'alive') == 0 then
    redis.call('SET', P .. 'alive', '1')
    redis.call('SET', P .. 'hold', '1', 'PX', hold_ms)
  end
  return redis.call('EXISTS', P .. 'hold') == 1
end
local function own(node, member, from)
  if from ~= node then
    if from then redis.call('SREM', P .. 'node:' .. from, member) end
    redis.call('SADD', P .. 'node:' .. node, member)
  end
end
