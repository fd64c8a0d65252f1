import { ServerResponse, type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import fastifySocketIOModule from 'fastify-socket.io';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { fail, type Fail } from '../../src/protocol/errors.js';
import {
  CLIENT_EVENTS,
  PROTOCOL_VERSION,
  parseEmpty,
  parseJoin,
  parseSignal,
  type IceServersOk,
  type JoinOk,
  type JoinRequest,
  type Ok,
  type ServerToClientEvents,
  type SignalPayload,
} from '../../src/protocol/signaling.js';
import type { Limits } from '../config.js';
import type { RequestSource } from '../lib/client-address.js';
import { peerIdOf, type SessionKeys } from '../lib/ids.js';
import type { SignalingMetrics } from '../lib/metrics.js';
import { LogLimiter, TokenBucket } from '../lib/rate-limit.js';
import { cutConnection, watchSendBuffer } from '../lib/send-buffer.js';
import { MemorySeatStore, SeatsUnavailableError, type LocalSeat, type Seat, type SeatStore } from '../lib/rooms.js';
import { verifyJoinToken, type JoinTokenRules } from '../lib/tokens.js';
import type { IceServerGrant } from '../lib/turn.js';

/** Options of {@link signalingPlugin}. */
export interface SignalingOptions {
  allowedOrigins: '*' | string[];
  /** HS256 secret of join tokens; null: no token needed. */
  joinSecret: string | null;
  /** `aud`, `iss`, lifetime and leeway rules of join tokens; DESIGN.md §3's defaults when absent. */
  joinTokenRules?: JoinTokenRules;
  /** Issues and checks sessions: only a session it signed is ever seated. */
  sessions: SessionKeys;
  /** ICE servers (with fresh TURN credentials) for a peer id, asked for by the client of a handshake. */
  iceServers: (peer: string, source: RequestSource) => IceServerGrant;
  /** The client's address for the log (through trusted proxies); the socket's own when absent. */
  clientAddress?: (source: RequestSource) => string;
  seatGraceMs: number;
  limits: Limits;
  metrics: SignalingMetrics;
  seats?: SeatStore;
  /** socket.io adapter that reaches the sockets of other nodes (Redis); in-process by default. */
  adapter?: ServerOptions['adapter'];
}

type ClientEvent = (typeof CLIENT_EVENTS)[number];
type Answer = JoinOk | IceServersOk | Ok | Fail;
type Ack = (answer: Answer) => void;

/** Where a socket sits once joined. `holder` is the session's keyed hash: the session is not kept. */
interface Membership {
  room: string;
  holder: string;
  peer: string;
}

interface SocketData {
  membership: Membership | null;
  /** Events of one socket run one at a time, in arrival order. */
  queue: Promise<void>;
  bucket: TokenBucket;
  /** Set once the socket is to be disconnected for flooding: later events are dropped unanswered. */
  cutOff: boolean;
}

// Inbound events never reach socket.io's listeners (one middleware takes them all), so the
// inbound map is empty and the outbound one comes from src/protocol/.
type IO = Server<Record<string, never>, ServerToClientEvents, Record<string, never>, SocketData>;
type IOSocket = Socket<Record<string, never>, ServerToClientEvents, Record<string, never>, SocketData>;

const MAX_HTTP_BUFFER = 64 * 1024;
/** How long shutdown waits for `server-shutdown` to reach every client before cutting them off. */
const SHUTDOWN_DRAIN_MS = 2000;

// fastify-socket.io is CommonJS whose types claim an ES default export; at run time the default
// import is the plugin function itself.
const fastifySocketIO = fastifySocketIOModule as unknown as FastifyPluginAsync<Partial<ServerOptions>>;

/**
 * Whether a request (handshake, long-polling request or WebSocket upgrade) may go on. Browsers
 * always send `Origin` on cross-origin requests and WebSockets, so a page of another site is
 * refused here; a request without `Origin` (same-origin polling, or a program that could forge any
 * header anyway) passes, and so does a page of this very server.
 *
 * "This very server" is an `Origin` equal to `Host` only when `Host` is an IP address or
 * `localhost`: a page can claim such a host only by being served from it. A name proves nothing:
 * a site whose name is made to resolve to this server (DNS rebinding) sends its own name as both
 * `Origin` and `Host`. Pages served under a name are allowed by listing them in `ALLOWED_ORIGINS`.
 */
export function originAllowed(allowed: '*' | string[], origin: string | undefined, host: string | undefined): boolean {
  if (allowed === '*' || origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  let page: URL;
  try {
    page = new URL(origin);
  } catch {
    return false;
  }
  if (host === undefined || page.host !== host) return false;
  return page.hostname === 'localhost' || isIP(page.hostname.replace(/^\[(.*)\]$/, '$1')) !== 0;
}

/** At most this many refused requests are logged one by one per {@link REFUSED_LOG_INTERVAL_MS}. */
const REFUSED_LOG_LINES = 10;
const REFUSED_LOG_INTERVAL_MS = 60_000;

/** Answers a refused engine.io request with 403 and the reason, for long-polling and WebSocket alike. */
function refuse(request: IncomingMessage, response: ServerResponse, message: string): void {
  if (response instanceof ServerResponse) {
    // The shape of engine.io's own refusals (code 4: forbidden).
    response.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 4, message }));
    return;
  }
  // An upgrade: no HTTP response object exists yet, only the connection.
  const socket = request.socket;
  socket.on('error', () => {}); // the client may be gone already; nothing to tell it then
  const body = Buffer.from(message);
  socket.end(
    'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${body.length}\r\n\r\n${message}`,
    () => socket.destroy(),
  );
}

/** Whether `socket` still holds its session's seat (a reload or reconnect may have taken it back). */
function ownsSeat(occupants: readonly Seat[], membership: { holder: string }, socket: { id: string }): boolean {
  return occupants.some((seat) => seat.holder === membership.holder && seat.socketId === socket.id);
}

/**
 * Relays protocol v1 between the two seats of each room (DESIGN.md §2). Not encapsulated: the
 * socket.io server it creates is `app.io` for the whole application (metrics, shutdown, tests).
 */
const signaling: FastifyPluginAsync<SignalingOptions> = async (app, options) => {
  const { limits, metrics } = options;
  const seats: SeatStore = options.seats ?? new MemorySeatStore();
  const graceTimers = new Map<string, NodeJS.Timeout>();
  let closing = false;

  await app.register(fastifySocketIO, {
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: MAX_HTTP_BUFFER,
    transports: ['websocket', 'polling'],
    pingInterval: limits.pingIntervalMs,
    pingTimeout: limits.pingTimeoutMs,
    connectTimeout: limits.connectTimeoutMs,
    cors: { origin: options.allowedOrigins === '*' ? true : options.allowedOrigins },
    ...(options.adapter ? { adapter: options.adapter } : {}),
    allowRequest: (_request: IncomingMessage, callback: (error: string | null | undefined, ok: boolean) => void) => {
      if (closing) return callback('The server is shutting down; connect again in a moment.', false);
      callback(null, true);
    },
  });
  const io = app.io as unknown as IO;

  // A flood of refused handshakes must not become a flood of log lines: the rest are counted.
  const refusedLog = new LogLimiter({ lines: REFUSED_LOG_LINES, intervalMs: REFUSED_LOG_INTERVAL_MS }, (suppressed) =>
    app.log.warn(
      { suppressed },
      `suppressed ${suppressed} refused handshakes (only ${REFUSED_LOG_LINES} a minute are logged)`,
    ),
  );
  // CORS headers only keep a foreign page from reading polling responses; a WebSocket ignores
  // them. The origin is checked on every request of every session, before engine.io sees it:
  // allowRequest would see only a session's first request, and a session opened by long-polling
  // from one origin could then be upgraded to a WebSocket from another.
  io.engine.use((request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => {
    const origin = request.headers.origin;
    if (originAllowed(options.allowedOrigins, origin, request.headers.host)) return next();
    metrics.handshakesRefused.inc('origin');
    if (refusedLog.allow()) app.log.warn({ origin }, 'handshake refused: origin not in ALLOWED_ORIGINS');
    // Answered here and never passed on: engine.io would answer a failed middleware with a bare
    // "Bad request".
    refuse(request, response, `Pages of ${origin} may not use this signaling server (ALLOWED_ORIGINS).`);
  });

  metrics.gauge({ name: 'rtc_call_sockets', help: 'Connected signaling sockets.', read: () => io.engine.clientsCount });
  metrics.gauge({
    name: 'rtc_call_rooms',
    help: 'Rooms with at least one seat held.',
    // NaN while a shared store is out of reach: unknown, not zero.
    read: () => seats.roomCount().catch(() => Number.NaN),
  });

  const graceKey = (room: string, holder: string): string => `${room}\n${holder}`;
  const cancelGrace = (room: string, holder: string): void => {
    const key = graceKey(room, holder);
    clearTimeout(graceTimers.get(key));
    graceTimers.delete(key);
  };

  /** Sends to the socket holding `seat`, on this node or (through the adapter) another; returns whether there was one. */
  const tell = <E extends keyof ServerToClientEvents>(
    seat: Seat | null,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): boolean => {
    if (!seat?.socketId) return false;
    // A socket of this node is reached without a round trip through Redis (and while it is away).
    const target = io.sockets.sockets.has(seat.socketId) ? io.local : io;
    target.to(seat.socketId).emit(event, ...args);
    return true;
  };

  /** Holds the seat for its owner for `ms`, then frees it and tells the other occupant. */
  function startGrace(membership: Membership, ms: number): void {
    const key = graceKey(membership.room, membership.holder);
    clearTimeout(graceTimers.get(key));
    const timer = setTimeout(() => {
      graceTimers.delete(key);
      freeSeat(membership, 'disconnected').catch((error: unknown) => app.log.error({ err: error }, 'grace expiry'));
    }, ms);
    timer.unref();
    graceTimers.set(key, timer);
  }

  // A store shared by several nodes asks this node what it holds (to put it back after Redis lost
  // it), hands it the seats of dead nodes to time, and names sockets whose seat went elsewhere.
  seats.bind?.({
    localSeats: () => {
      const held: LocalSeat[] = [];
      for (const socket of io.sockets.sockets.values()) {
        const membership = socket.data.membership;
        if (membership) held.push({ room: membership.room, holder: membership.holder, socketId: socket.id });
      }
      for (const key of graceTimers.keys()) {
        const [room, holder] = key.split('\n') as [string, string];
        held.push({ room, holder, socketId: null });
      }
      return held;
    },
    adopt: (room, holder, awayMs) =>
      startGrace({ room, holder, peer: peerIdOf(holder) }, Math.max(0, options.seatGraceMs - awayMs)),
    evict: (socketId) => {
      const socket = io.sockets.sockets.get(socketId);
      if (!socket) return;
      socket.data.membership = null;
      socket.disconnect(true);
    },
  });

  async function freeSeat(membership: Membership, reason: 'left' | 'disconnected'): Promise<void> {
    cancelGrace(membership.room, membership.holder);
    const freed =
      reason === 'left'
        ? await seats.release(membership.room, membership.holder)
        : await seats.releaseIfAway(membership.room, membership.holder);
    if (!freed) return;
    for (const other of await seats.occupants(membership.room)) {
      tell(other, 'peer-leave', { peer: freed.peer, reason });
    }
  }

  /** Null when the join may take a new seat, else why not (a sentence for a person). */
  async function tokenProblem(request: JoinRequest): Promise<string | null> {
    if (!options.joinSecret) return null;
    if (request.token === undefined) {
      return 'This room needs a join token: open the invitation link again, or ask whoever sent it for a new one.';
    }
    const check = await verifyJoinToken(request.token, options.joinSecret, request.room, options.joinTokenRules);
    return check.ok ? null : check.reason;
  }

  async function join(socket: IOSocket, request: JoinRequest): Promise<JoinOk | Fail> {
    const problem = await tokenProblem(request);
    // Only a session this server (or a node sharing its secret) signed is ever seated: one the
    // client made up, or altered, is ignored and the join gets a new session, as if it sent none.
    const offered = request.session;
    const session = offered !== undefined && options.sessions.verify(offered) ? offered : options.sessions.issue();
    if (offered !== undefined && session !== offered) {
      app.log.debug({ socket: socket.id }, 'join presented a session this server never issued: issued a new one');
    }
    const holder = options.sessions.holder(session);
    const current = socket.data.membership;
    if (current && (current.room !== request.room || current.holder !== holder)) {
      // Joining elsewhere from the same socket leaves the old seat first.
      socket.data.membership = null;
      await freeSeat(current, 'left');
    }
    // Without a valid token a session may still take back the seat it holds (a reconnect late in a
    // call whose token has expired since), but never a new one.
    const claim = await seats.claim(request.room, holder, socket.id, { newSeat: problem === null });
    if (!claim.ok) {
      return claim.reason === 'not-held'
        ? fail('unauthorized', problem ?? 'A join token is needed.')
        : fail('room-full', 'This room already has two people in it.');
    }
    cancelGrace(request.room, holder);
    socket.data.membership = { room: request.room, holder, peer: claim.seat.peer };

    const sameSocket = claim.previousSocketId === socket.id;
    if (claim.previousSocketId && !sameSocket) {
      // The same session came back on a new socket (reload or reconnect): the old one is a ghost.
      io.in(claim.previousSocketId).disconnectSockets(true);
    }
    const { other } = claim;
    if (other && !sameSocket) {
      const resumed = request.resume === true;
      if (claim.retaken && !resumed) tell(other, 'peer-leave', { peer: claim.seat.peer, reason: 'replaced' });
      tell(other, 'peer-join', { peer: claim.seat.peer, polite: other.peer < claim.seat.peer, resumed });
    }
    const grant = options.iceServers(claim.seat.peer, socket.handshake);
    return {
      ok: true,
      v: PROTOCOL_VERSION,
      self: claim.seat.peer,
      session,
      polite: other ? claim.seat.peer < other.peer : false,
      peers: other ? [other.peer] : [],
      iceServers: grant.iceServers,
      ttl: grant.ttl,
      ...(grant.warning ? { warning: grant.warning } : {}),
    };
  }

  async function relay(socket: IOSocket, payload: SignalPayload): Promise<Ok | Fail> {
    const membership = socket.data.membership;
    if (!membership) return fail('not-joined', 'Join a room before sending signals.');
    const occupants = await seats.occupants(membership.room);
    if (!ownsSeat(occupants, membership, socket)) {
      return fail('not-joined', 'This seat was taken over by a newer connection of the same session.');
    }
    const others = occupants.filter((seat) => seat.holder !== membership.holder);
    // Rebuilt from validated fields: nothing the client added travels on.
    const event =
      'description' in payload
        ? { from: membership.peer, description: payload.description }
        : { from: membership.peer, candidate: payload.candidate };
    for (const other of others) {
      if (tell(other, 'signal', event)) metrics.signalsRelayed.inc();
    }
    return { ok: true };
  }

  function iceServers(socket: IOSocket): IceServersOk | Fail {
    const membership = socket.data.membership;
    // TURN credentials only for a seat holder: with JOIN_SECRET set, nobody else should get them.
    if (!membership) return fail('not-joined', 'Join a room before asking for ICE servers.');
    return { ok: true, ...options.iceServers(membership.peer, socket.handshake) };
  }

  async function leave(socket: IOSocket): Promise<Ok> {
    const membership = socket.data.membership;
    socket.data.membership = null;
    // A stale socket's late `leave` must not free the seat a newer socket of the session took back.
    if (membership && ownsSeat(await seats.occupants(membership.room), membership, socket)) {
      await freeSeat(membership, 'left');
    }
    return { ok: true };
  }

  async function disconnected(socket: IOSocket): Promise<void> {
    const membership = socket.data.membership;
    socket.data.membership = null;
    if (!membership || closing) return;
    if (!(await seats.detach(membership.room, membership.holder, socket.id))) return;
    startGrace(membership, options.seatGraceMs);
  }

  const handlers: Record<ClientEvent, (socket: IOSocket, payload: unknown) => Promise<Answer> | Answer> = {
    join: (socket, payload) => {
      const request = parseJoin(payload);
      return request.ok ? join(socket, request.value) : request;
    },
    signal: (socket, payload) => {
      const signal = parseSignal(payload);
      return signal.ok ? relay(socket, signal.value) : signal;
    },
    'ice-servers': (socket, payload) => {
      const parsed = parseEmpty(payload, 'ice-servers');
      return parsed.ok ? iceServers(socket) : parsed;
    },
    leave: (socket, payload) => {
      const parsed = parseEmpty(payload, 'leave');
      return parsed.ok ? leave(socket) : parsed;
    },
  };
  const isClientEvent = (event: unknown): event is ClientEvent =>
    typeof event === 'string' && (CLIENT_EVENTS as readonly string[]).includes(event);

  /** Answers exactly once, counts refusals, and never lets a failing callback escape. */
  function answer(ack: Ack, event: ClientEvent | null, result: Answer): void {
    if (!result.ok) metrics.errors.inc(result.error.code);
    if (event === 'join') metrics.joins.inc(result.ok ? 'ok' : result.error.code);
    try {
      ack(result);
    } catch (error) {
      app.log.warn({ err: error, event }, 'acknowledgement failed');
    }
  }

  /** The one door in: rate limit, then validate, then run in order; always one answer, never a throw. */
  function receive(socket: IOSocket, packet: unknown[]): void {
    const [event, ...args] = packet;
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as Ack) : null;
    if (ack) args.pop();
    const known = isClientEvent(event) ? event : null;

    if (socket.data.cutOff) return; // a flooder on its way out: not even a refusal
    const verdict = socket.data.bucket.take();
    if (verdict !== 'pass') {
      // Refusals queue behind the events accepted before them, so answers keep arrival order.
      if (verdict === 'disconnect') socket.data.cutOff = true;
      enqueue(socket, async () => {
        if (ack) answer(ack, known, fail('rate-limited', 'Too many messages; wait a second before sending more.'));
        if (verdict === 'disconnect') {
          metrics.floodDisconnects.inc();
          app.log.warn({ socket: socket.id, address: addressOf(socket) }, 'disconnected a flooding socket');
          socket.disconnect(true);
        }
      });
      return;
    }
    if (!known) {
      // Not part of protocol v1 (a newer client, or a probe): ignored, but counted.
      metrics.unknownEvents.inc();
      return;
    }
    if (!ack) {
      app.log.debug({ event, socket: socket.id }, 'event without acknowledgement ignored');
      return;
    }
    enqueue(socket, async () => {
      let result: Answer;
      try {
        result =
          args.length === 1
            ? await handlers[known](socket, args[0])
            : fail('bad-request', `${known} takes exactly one payload and an acknowledgement.`);
      } catch (error) {
        if (error instanceof SeatsUnavailableError) {
          app.log.warn({ err: error.cause ?? error, event: known }, 'seat store unavailable');
          result = fail('unavailable', 'Rooms are out of reach for a moment; try again in a few seconds.');
        } else {
          app.log.error({ err: error, event: known }, 'handler failed');
          result = fail('internal', 'The server could not handle this message; try again.');
        }
      }
      answer(ack, known, result);
    });
  }

  /** Who a socket is, for the log: behind nginx its own address would be the proxy's. */
  function addressOf(socket: IOSocket): string {
    return options.clientAddress ? options.clientAddress(socket.handshake) : socket.handshake.address;
  }

  /** Runs `task` after every earlier event of the socket; a failure is logged, never thrown. */
  function enqueue(socket: IOSocket, task: () => Promise<void>): void {
    socket.data.queue = socket.data.queue
      .then(task)
      .catch((error: unknown) => app.log.error({ err: error }, 'queued task failed'));
  }

  /**
   * Drops a socket that leaves what it is sent unread (it may still answer heartbeats): its
   * partner could otherwise grow this process without bound.
   */
  function cutSlowReader(socket: IOSocket, bufferedBytes: number): void {
    // Called from inside an emit that may be iterating a room: cut once it has returned.
    setImmediate(() => {
      if (socket.conn.readyState === 'closed') return;
      metrics.slowReaderDisconnects.inc();
      app.log.warn(
        {
          reason: 'send buffer full',
          socket: socket.id,
          address: addressOf(socket),
          bufferedBytes,
          maxBytes: limits.maxSocketBufferBytes,
        },
        'disconnected a socket that does not read what it is sent',
      );
      cutConnection(socket.conn);
    });
  }

  io.on('connection', (socket) => {
    socket.data.membership = null;
    socket.data.queue = Promise.resolve();
    socket.data.bucket = new TokenBucket(limits);
    socket.data.cutOff = false;
    watchSendBuffer(socket.conn, limits.maxSocketBufferBytes, (bufferedBytes) => cutSlowReader(socket, bufferedBytes));
    // A middleware that never calls next(): every inbound event comes through receive(), and no
    // client packet can reach a socket.io listener directly.
    socket.use((packet) => {
      try {
        receive(socket, packet);
      } catch (error) {
        app.log.error({ err: error }, 'inbound event failed');
      }
    });
    socket.on('disconnect', () => enqueue(socket, () => disconnected(socket)));
  });

  // Fastify waits for open connections before its onClose hooks run, and upgraded WebSockets are
  // not among the connections it can force shut: close them here. First every client hears
  // `server-shutdown`; closing the transport (not the namespace) lets socket.io-client reconnect
  // by itself, to another node or to this one once it is back.
  app.addHook('preClose', async () => {
    closing = true;
    io.local.emit('server-shutdown', {});
    const connections = new Set([...io.sockets.sockets.values()].map((socket) => socket.conn));
    const closed = [...connections].map(
      (conn) =>
        new Promise<void>((resolve) =>
          conn.readyState === 'closed' ? resolve() : conn.once('close', () => resolve()),
        ),
    );
    for (const conn of connections) conn.close(); // not discarding: what was emitted is sent first
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_DRAIN_MS))),
    ]);
    clearTimeout(timer);
    io.engine.close();
  });
  app.addHook('onClose', async () => {
    refusedLog.flush();
    for (const timer of graceTimers.values()) clearTimeout(timer);
    graceTimers.clear();
  });
};

/** The signaling plugin (see {@link signaling}). */
export const signalingPlugin = fp(signaling, { name: 'rtc-call-signaling', fastify: '5.x' });
