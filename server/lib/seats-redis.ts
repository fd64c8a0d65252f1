import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { peerIdOf } from './ids.js';
import {
  SEATS_PER_ROOM,
  SeatsUnavailableError,
  type ClaimOptions,
  type ClaimResult,
  type Seat,
  type SeatNode,
  type SeatStore,
} from './rooms.js';

/** Options of {@link RedisSeatStore}; the defaults suit production. */
export interface RedisSeatOptions {
  /** Prefix of every key (and of the socket.io adapter's channels). */
  prefix?: string;
  /** This node's id in Redis; random by default, so a restarted process is a new node. */
  nodeId?: string;
  /** How often the node tells Redis it is alive and looks for dead nodes. */
  heartbeatMs?: number;
  /** A node silent this long is dead: a live node adopts its seats and runs their grace period. */
  nodeTimeoutMs?: number;
  /**
   * After Redis came back empty (restarted without persistence), how long new seats wait so that
   * every node can first put back the seats its sockets hold.
   */
  holdMs?: number;
  /** Where the store reports what it could not do (pino-like). */
  log?: { warn(object: object, message: string): void; info(object: object, message: string): void };
}

/** The key prefix by default. */
export const DEFAULT_REDIS_PREFIX = 'rtc-call:';

// Seats live in one hash per room, under their holder: an HMAC of the session, never the session,
// so whoever reads Redis cannot take a seat back (holder → JSON {p: peer, s: socket id or '' while
// away, n: owning node, a: away since, Redis clock ms}). Each node keeps a set of the seats it owns,
// and a sorted set holds every node's last heartbeat: a live node adopts the seats of a silent one.
// `alive` marks a database that has seen this cluster: when it is missing, Redis lost its data, and
// `hold` keeps new seats waiting until every node has put back the seats its sockets hold.
const PRELUDE = `
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
`;

// ARGV: prefix, holdMs, room, holder, socket, node, newSeat ('1'/'0'), peer, seats per room.
const CLAIM = `${PRELUDE}
local room, holder, socket, node = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local key, member = P .. 'room:' .. room, room .. '\\n' .. holder
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
`;

// ARGV: prefix, room, holder, socket.
const DETACH = `${PRELUDE}
local raw = redis.call('HGET', P .. 'room:' .. ARGV[2], ARGV[3])
if not raw then return 0 end
local seat = cjson.decode(raw)
if seat.s ~= ARGV[4] then return 0 end
seat.s, seat.a = '', now()
redis.call('HSET', P .. 'room:' .. ARGV[2], ARGV[3], cjson.encode(seat))
return 1
`;

// ARGV: prefix, room, holder, onlyIfAway ('1'/'0'), node. A grace timer frees only a seat that is
// still away and still this node's: after a retake on another node, that node runs the grace.
const RELEASE = `${PRELUDE}
local room, holder = ARGV[2], ARGV[3]
local key = P .. 'room:' .. room
local raw = redis.call('HGET', key, holder)
if not raw then return false end
local seat = cjson.decode(raw)
if ARGV[4] == '1' and (seat.s ~= '' or seat.n ~= ARGV[5]) then return false end
redis.call('HDEL', key, holder)
redis.call('SREM', P .. 'node:' .. seat.n, room .. '\\n' .. holder)
if redis.call('EXISTS', key) == 0 then redis.call('SREM', P .. 'rooms', room) end
return raw
`;

// ARGV: prefix, holdMs, node, nodeTimeoutMs. Returns {known ('1'/'0'), then room, holder, awayMs
// for each seat adopted from a dead node}.
const BEAT = `${PRELUDE}
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
    local cut = string.find(member, '\\n', 1, true)
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
`;

// ARGV: prefix, holdMs, node, seats per room, then room, holder, socket ('' = away), peer for
// each seat the node holds or times. Puts them back as the node knows them, and takes over the
// grace of seats the node owns in Redis but no longer knows (their socket dropped while Redis was
// away). Returns {'evict', socket} and {'adopt', room, holder, awayMs} items.
const RECONCILE = `${PRELUDE}
local node, capacity = ARGV[3], tonumber(ARGV[4])
local t = now()
held_back(tonumber(ARGV[2]))
redis.call('ZADD', P .. 'nodes', t, node)
local mine, out = {}, {}
for i = 5, #ARGV, 4 do
  local room, holder, socket, peer = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local key, member = P .. 'room:' .. room, room .. '\\n' .. holder
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
    local cut = string.find(member, '\\n', 1, true)
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
`;

// ARGV: prefix, node. A node shutting down: its sockets are gone from now on (they reconnect to
// another node and take their seats back); the next heartbeat of a live node adopts what is left.
const LEAVE = `${PRELUDE}
local node = ARGV[2]
local t = now()
for _, member in ipairs(redis.call('SMEMBERS', P .. 'node:' .. node)) do
  local cut = string.find(member, '\\n', 1, true)
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
`;

interface StoredSeat {
  p: string;
  s: string;
  n: string;
  a: number;
}

type ScriptReply = Array<string | null> | string | number | null;

/** The commands the store defines on its ioredis client (Lua scripts, atomic in Redis). */
interface SeatCommands {
  rtcClaim(...args: string[]): Promise<string[]>;
  rtcDetach(...args: string[]): Promise<number>;
  rtcRelease(...args: string[]): Promise<string | null>;
  rtcBeat(...args: string[]): Promise<string[]>;
  rtcReconcile(...args: string[]): Promise<string[]>;
  rtcLeave(...args: string[]): Promise<number>;
}

function seatOf(holder: string, raw: string): Seat {
  const stored = JSON.parse(raw) as StoredSeat;
  return { holder, peer: stored.p, socketId: stored.s === '' ? null : stored.s };
}

/**
 * Seats in Redis, shared by every node of a cluster. Claims are one Lua script each, so two nodes
 * can never seat three people in a room. Grace timers stay with the nodes: a node that dies has
 * its seats adopted by a live node ({@link SeatNode.adopt}), which frees them when the grace ends.
 */
export class RedisSeatStore implements SeatStore {
  /** This node's id in Redis. */
  readonly nodeId: string;
  readonly #redis: Redis & SeatCommands;
  readonly #prefix: string;
  readonly #heartbeatMs: number;
  readonly #nodeTimeoutMs: number;
  readonly #holdMs: number;
  readonly #log: RedisSeatOptions['log'];
  #node: SeatNode | null = null;
  #timer: NodeJS.Timeout | undefined;
  /** True once the node's seats were put back after the last (re)connection: new joins may go on. */
  #ready = false;
  #syncing: Promise<void> | null = null;
  #started = false;
  #closed = false;

  /** `redis` is a command client (not a subscriber); see {@link redisClientOptions}. */
  constructor(redis: Redis, options: RedisSeatOptions = {}) {
    this.nodeId = options.nodeId ?? randomBytes(9).toString('base64url');
    this.#prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.#heartbeatMs = options.heartbeatMs ?? 2000;
    this.#nodeTimeoutMs = options.nodeTimeoutMs ?? 10_000;
    this.#holdMs = options.holdMs ?? 5000;
    this.#log = options.log;
    redis.defineCommand('rtcClaim', { numberOfKeys: 0, lua: CLAIM });
    redis.defineCommand('rtcDetach', { numberOfKeys: 0, lua: DETACH });
    redis.defineCommand('rtcRelease', { numberOfKeys: 0, lua: RELEASE });
    redis.defineCommand('rtcBeat', { numberOfKeys: 0, lua: BEAT });
    redis.defineCommand('rtcReconcile', { numberOfKeys: 0, lua: RECONCILE });
    redis.defineCommand('rtcLeave', { numberOfKeys: 0, lua: LEAVE });
    this.#redis = redis as Redis & SeatCommands;
  }

  bind(node: SeatNode): void {
    this.#node = node;
    // A new connection may face a Redis that restarted empty, or that gave our seats away while we
    // could not beat: put back what this node holds before seating anyone new.
    this.#redis.on('ready', () => this.#sync());
    this.#redis.on('close', () => (this.#ready = false));
    if (this.#redis.status === 'ready') this.#sync();
    this.#timer = setInterval(() => void this.#beat(), this.#heartbeatMs);
    this.#timer.unref();
  }

  health(): 'up' | 'down' {
    return this.#redis.status === 'ready' && this.#ready ? 'up' : 'down';
  }

  /** Resolves once the node is registered and may seat people (or after `timeoutMs`). */
  async whenReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ready && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return this.#ready;
  }

  async claim(room: string, holder: string, socketId: string, options: ClaimOptions = {}): Promise<ClaimResult> {
    if (!this.#ready) throw new SeatsUnavailableError('The room database is reconnecting.');
    const reply = await this.#call(() =>
      this.#redis.rtcClaim(
        this.#prefix,
        String(this.#holdMs),
        room,
        holder,
        socketId,
        this.nodeId,
        options.newSeat === false ? '0' : '1',
        peerIdOf(holder),
        String(SEATS_PER_ROOM),
      ),
    );
    const [status, raw, previous, retaken, otherHolder, other] = reply;
    if (status === 'unavailable') throw new SeatsUnavailableError('The room database is restoring its seats.');
    if (status === 'room-full' || status === 'not-held') return { ok: false, reason: status };
    return {
      ok: true,
      seat: seatOf(holder, raw!),
      previousSocketId: previous ? previous : null,
      retaken: retaken === '1',
      other: otherHolder && other ? seatOf(otherHolder, other) : null,
    };
  }

  async release(room: string, holder: string): Promise<Seat | null> {
    const raw = await this.#call(() => this.#redis.rtcRelease(this.#prefix, room, holder, '0', this.nodeId));
    return raw ? seatOf(holder, raw) : null;
  }

  async detach(room: string, holder: string, socketId: string): Promise<boolean> {
    return (await this.#call(() => this.#redis.rtcDetach(this.#prefix, room, holder, socketId))) === 1;
  }

  async releaseIfAway(room: string, holder: string): Promise<Seat | null> {
    const raw = await this.#call(() => this.#redis.rtcRelease(this.#prefix, room, holder, '1', this.nodeId));
    return raw ? seatOf(holder, raw) : null;
  }

  async occupants(room: string): Promise<Seat[]> {
    const fields = await this.#call(() => this.#redis.hgetall(`${this.#prefix}room:${room}`));
    return Object.entries(fields).map(([holder, raw]) => seatOf(holder, raw));
  }

  async roomCount(): Promise<number> {
    return this.#call(() => this.#redis.scard(`${this.#prefix}rooms`));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    // Leave the registry at once: the seats this node still owns are adopted by the next heartbeat
    // of another node instead of after the node timeout, their grace counted from now.
    if (this.#redis.status === 'ready') {
      await this.#redis.rtcLeave(this.#prefix, this.nodeId).catch((error: unknown) => {
        this.#log?.warn({ err: error }, "could not hand this node's seats over in Redis");
      });
    }
  }

  /** Runs a Redis call; anything but an answer (no connection, a timeout) becomes retryable. */
  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new SeatsUnavailableError('The room database cannot be reached.', { cause: error });
    }
  }

  #sync(): void {
    this.#ready = false;
    this.#syncing ??= this.#reconcile().finally(() => (this.#syncing = null));
  }

  /** Puts back this node's seats as its sockets and grace timers know them. */
  async #reconcile(): Promise<void> {
    const node = this.#node;
    if (!node || this.#closed) return;
    try {
      if (!this.#started) {
        // A node's very first connection: a database without `alive` has never seen this cluster
        // (or lost it while no node held anything), so nothing needs holding back.
        await this.#redis.set(`${this.#prefix}alive`, '1');
      }
      const args: string[] = [this.#prefix, String(this.#holdMs), this.nodeId, String(SEATS_PER_ROOM)];
      for (const seat of node.localSeats()) {
        args.push(seat.room, seat.holder, seat.socketId ?? '', peerIdOf(seat.holder));
      }
      const reply = await this.#redis.rtcReconcile(...args);
      for (let i = 0; i < reply.length;) {
        if (reply[i] === 'evict') {
          node.evict(reply[i + 1]!);
          i += 2;
        } else {
          node.adopt(reply[i + 1]!, reply[i + 2]!, Number(reply[i + 3]));
          i += 4;
        }
      }
      this.#started = true;
      this.#ready = true;
      this.#log?.info({ node: this.nodeId }, 'seats in Redis are in step with this node');
    } catch (error) {
      // Redis went away again (the next `ready` tries once more) or hung (the next heartbeat does).
      this.#log?.warn({ err: error }, "could not put this node's seats back into Redis");
    }
  }

  async #beat(): Promise<void> {
    const node = this.#node;
    if (!node || this.#closed || this.#redis.status !== 'ready' || this.#syncing) return;
    // The last attempt to put the seats back failed on a live connection (Redis hung): try again.
    if (!this.#ready) return this.#sync();
    let reply: ScriptReply;
    try {
      reply = await this.#redis.rtcBeat(this.#prefix, String(this.#holdMs), this.nodeId, String(this.#nodeTimeoutMs));
    } catch (error) {
      this.#log?.warn({ err: error }, 'heartbeat to Redis failed');
      return;
    }
    const [known, ...orphans] = reply as string[];
    for (let i = 0; i + 2 < orphans.length; i += 3) node.adopt(orphans[i]!, orphans[i + 1]!, Number(orphans[i + 2]));
    if (orphans.length > 0) this.#log?.info({ seats: orphans.length / 3 }, 'adopted the seats of a dead node');
    // Missing from the registry: Redis lost its data, or other nodes took us for dead. Either way
    // our seats may be gone or adopted: put them back.
    if (known === '0' && this.#started) this.#sync();
  }
}

/**
 * ioredis options for a node that must outlive Redis: it never crashes on a lost connection,
 * retries every second at most, and fails commands at once (or after `commandTimeoutMs` when Redis
 * hangs) rather than queueing them: a join while Redis is away gets a retryable refusal.
 */
export function redisClientOptions(kind: 'commands' | 'subscriber', commandTimeoutMs = 2000): RedisOptions {
  const common: RedisOptions = {
    lazyConnect: false,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
    connectTimeout: 2000,
  };
  // The subscriber only (re)subscribes: it may wait for the connection, and resubscribes by itself.
  return kind === 'subscriber'
    ? { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true }
    : { ...common, enableOfflineQueue: false, commandTimeout: commandTimeoutMs };
}

/** A command client whose publishes never reject unobserved (the socket.io adapter ignores them). */
export function commandClient(url: string, onError: (error: Error) => void): Redis {
  const redis = new Redis(url, redisClientOptions('commands'));
  redis.on('error', onError);
  const publish = redis.publish.bind(redis) as (channel: string | Buffer, message: string | Buffer) => Promise<number>;
  // The adapter calls publish() without handling its promise: while Redis is away that rejection
  // would be unhandled and end the process. Broadcasts to other nodes are lost meanwhile.
  (redis as unknown as { publish: typeof publish }).publish = (channel, message) => {
    const sent = publish(channel, message);
    sent.catch(() => undefined);
    return sent;
  };
  return redis;
}

/** The ioredis events that carry published messages to the adapter's listeners. */
const MESSAGE_EVENTS = new Set<string | symbol>(['message', 'messageBuffer', 'pmessage', 'pmessageBuffer']);

/** A subscriber client for the socket.io adapter, whose refused subscriptions are reported, never thrown. */
export function subscriberClient(url: string, onError: (error: Error) => void): Redis {
  const redis = new Redis(url, redisClientOptions('subscriber'));
  redis.on('error', onError);
  // The adapter subscribes without handling the promise either: a refusal (a wrong password, an ACL
  // without its channels) would be an unhandled rejection that ends the process. The node goes on
  // without messages from other nodes, and says so.
  for (const name of ['subscribe', 'psubscribe'] as const) {
    const subscribe = redis[name].bind(redis) as (...args: unknown[]) => Promise<unknown>;
    (redis as unknown as Record<typeof name, typeof subscribe>)[name] = (...args) => {
      const done = subscribe(...args);
      done.catch((error: unknown) =>
        onError(
          new Error(`${name} ${String(args[0])} refused: other nodes cannot reach this node's sockets`, {
            cause: error,
          }),
        ),
      );
      return done;
    };
  }
  // The adapter decodes what arrives on its channels inside these listeners, without a guard: one
  // message that is not its own (anyone who may PUBLISH can send one) would throw out of ioredis
  // and end every node. Such a message is dropped and reported instead.
  const emit = redis.emit.bind(redis);
  redis.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (!MESSAGE_EVENTS.has(event)) return emit(event, ...args);
    try {
      return emit(event, ...args);
    } catch (error) {
      onError(new Error(`dropped a message on ${String(args.at(-2))} that is not the adapter's`, { cause: error }));
      return true;
    }
  };
  return redis;
}
