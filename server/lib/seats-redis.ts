import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
} from './seats.js';

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

/** A Lua script of `lua/` as Redis runs it: the shared prelude, then the script itself. */
function script(name: string): string {
  // Read next to this module, in the checkout the server runs from (tsx), once at start.
  const read = (file: string): string => readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8');
  return `${read('prelude')}\n${read(name)}`;
}

// The data model (keys, seat fields) is described at the top of lua/prelude.lua.
const CLAIM = script('claim');
const DETACH = script('detach');
const RELEASE = script('release');
const BEAT = script('beat');
const RECONCILE = script('reconcile');
const LEAVE = script('leave');

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
