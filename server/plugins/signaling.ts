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
  type IceServer,
  type IceServersOk,
  type JoinOk,
  type JoinRequest,
  type Ok,
  type ServerToClientEvents,
  type SignalPayload,
} from '../../src/protocol/signaling.js';
import { newSession } from '../lib/ids.js';
import { MemorySeatStore, type Seat, type SeatStore } from '../lib/rooms.js';

/** Options of {@link signalingPlugin}. */
export interface SignalingOptions {
  allowedOrigins: '*' | string[];
  stunUrls: string[];
  seatGraceMs: number;
  seats?: SeatStore;
}

type Answer = JoinOk | IceServersOk | Ok | Fail;

// Inbound payloads are untrusted: every handler receives `unknown` and validates it.
type InboundEvents = Record<(typeof CLIENT_EVENTS)[number], (...args: unknown[]) => void>;

/** Where a socket sits once joined. */
interface Membership {
  room: string;
  session: string;
  peer: string;
}

interface SocketData {
  membership: Membership | null;
  /** Events of one socket run one at a time, in arrival order. */
  queue: Promise<void>;
}

type IO = Server<InboundEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type IOSocket = Socket<InboundEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const MAX_HTTP_BUFFER = 64 * 1024;

// fastify-socket.io is CommonJS whose types claim an ES default export; at run time the default
// import is the plugin function itself.
const fastifySocketIO = fastifySocketIOModule as unknown as FastifyPluginAsync<Partial<ServerOptions>>;

/**
 * Relays protocol v1 between the two seats of each room (DESIGN.md §2). Not encapsulated: the
 * socket.io server it creates is `app.io` for the whole application (metrics, shutdown, tests).
 */
const signaling: FastifyPluginAsync<SignalingOptions> = async (app, options) => {
  const seats = options.seats ?? new MemorySeatStore();
  const graceTimers = new Map<string, NodeJS.Timeout>();

  await app.register(fastifySocketIO, {
    path: '/socket.io',
    maxHttpBufferSize: MAX_HTTP_BUFFER,
    transports: ['websocket', 'polling'],
    cors: { origin: options.allowedOrigins === '*' ? true : options.allowedOrigins },
  });
  const io = app.io as unknown as IO;

  const iceServers = (): IceServer[] => (options.stunUrls.length > 0 ? [{ urls: [...options.stunUrls] }] : []);

  const graceKey = (room: string, session: string): string => `${room}\n${session}`;
  const cancelGrace = (room: string, session: string): void => {
    const key = graceKey(room, session);
    clearTimeout(graceTimers.get(key));
    graceTimers.delete(key);
  };

  const tell = <E extends keyof ServerToClientEvents>(
    seat: Seat | null,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void => {
    if (seat?.socketId) io.to(seat.socketId).emit(event, ...args);
  };

  async function freeSeat(membership: Membership, reason: 'left' | 'disconnected'): Promise<void> {
    cancelGrace(membership.room, membership.session);
    const freed =
      reason === 'left'
        ? await seats.release(membership.room, membership.session)
        : await seats.releaseIfAway(membership.room, membership.session);
    if (!freed) return;
    for (const other of await seats.occupants(membership.room)) {
      tell(other, 'peer-leave', { peer: freed.peer, reason });
    }
  }

  async function join(socket: IOSocket, request: JoinRequest): Promise<JoinOk | Fail> {
    const current = socket.data.membership;
    if (current && (current.room !== request.room || current.session !== request.session)) {
      // Joining elsewhere from the same socket leaves the old seat first.
      socket.data.membership = null;
      await freeSeat(current, 'left');
    }
    const session = request.session ?? newSession();
    const claim = await seats.claim(request.room, session, socket.id);
    if (!claim.ok) return fail('room-full', 'This room already has two people in it.');
    cancelGrace(request.room, session);
    socket.data.membership = { room: request.room, session, peer: claim.seat.peer };

    if (claim.previousSocketId && claim.previousSocketId !== socket.id) {
      // The same session came back on a new socket (reload or reconnect): the old one is a ghost.
      io.in(claim.previousSocketId).disconnectSockets(true);
    }
    const { other } = claim;
    if (other) {
      const resumed = request.resume === true;
      if (claim.retaken && !resumed) tell(other, 'peer-leave', { peer: claim.seat.peer, reason: 'replaced' });
      tell(other, 'peer-join', { peer: claim.seat.peer, polite: other.peer < claim.seat.peer, resumed });
    }
    return {
      ok: true,
      v: PROTOCOL_VERSION,
      self: claim.seat.peer,
      session,
      polite: other ? claim.seat.peer < other.peer : false,
      peers: other ? [other.peer] : [],
      iceServers: iceServers(),
      ttl: 0,
    };
  }

  async function relay(socket: IOSocket, payload: SignalPayload): Promise<Ok | Fail> {
    const membership = socket.data.membership;
    if (!membership) return fail('not-joined', 'Join a room before sending signals.');
    const others = (await seats.occupants(membership.room)).filter((seat) => seat.session !== membership.session);
    // Rebuilt from validated fields: nothing the client added travels on.
    const event =
      'description' in payload
        ? { from: membership.peer, description: payload.description }
        : { from: membership.peer, candidate: payload.candidate };
    for (const other of others) tell(other, 'signal', event);
    return { ok: true };
  }

  async function leave(socket: IOSocket): Promise<Ok> {
    const membership = socket.data.membership;
    socket.data.membership = null;
    if (membership) await freeSeat(membership, 'left');
    return { ok: true };
  }

  async function disconnected(socket: IOSocket): Promise<void> {
    const membership = socket.data.membership;
    socket.data.membership = null;
    if (!membership) return;
    if (!(await seats.detach(membership.room, membership.session, socket.id))) return;
    const key = graceKey(membership.room, membership.session);
    clearTimeout(graceTimers.get(key));
    const timer = setTimeout(() => {
      graceTimers.delete(key);
      freeSeat(membership, 'disconnected').catch((error: unknown) => app.log.error({ err: error }, 'grace expiry'));
    }, options.seatGraceMs);
    timer.unref();
    graceTimers.set(key, timer);
  }

  /** Wires one event: validate, run in order, always answer exactly once, never throw. */
  function on(socket: IOSocket, event: (typeof CLIENT_EVENTS)[number], run: (payload: unknown) => Promise<Answer>) {
    socket.on(event, (...args: unknown[]) => {
      const ack = args.at(-1);
      if (typeof ack !== 'function') {
        app.log.debug({ event, socket: socket.id }, 'event without acknowledgement ignored');
        return;
      }
      const answer = (result: Answer): void => {
        try {
          ack(result);
        } catch (error) {
          app.log.warn({ err: error, event }, 'acknowledgement failed');
        }
      };
      if (args.length !== 2) {
        answer(fail('bad-request', `${event} takes exactly one payload and an acknowledgement.`));
        return;
      }
      socket.data.queue = socket.data.queue.then(async () => {
        try {
          answer(await run(args[0]));
        } catch (error) {
          app.log.error({ err: error, event }, 'handler failed');
          answer(fail('internal', 'The server could not handle this message; try again.'));
        }
      });
    });
  }

  io.on('connection', (socket) => {
    socket.data.membership = null;
    socket.data.queue = Promise.resolve();
    on(socket, 'join', async (payload) => {
      const request = parseJoin(payload);
      return request.ok ? join(socket, request.value) : request;
    });
    on(socket, 'signal', async (payload) => {
      const signal = parseSignal(payload);
      return signal.ok ? relay(socket, signal.value) : signal;
    });
    on(socket, 'ice-servers', async (payload) => {
      const parsed = parseEmpty(payload, 'ice-servers');
      return parsed.ok ? { ok: true, iceServers: iceServers(), ttl: 0 } : parsed;
    });
    on(socket, 'leave', async (payload) => {
      const parsed = parseEmpty(payload, 'leave');
      return parsed.ok ? leave(socket) : parsed;
    });
    socket.on('disconnect', () => {
      socket.data.queue = socket.data.queue.then(() =>
        disconnected(socket).catch((error: unknown) => app.log.error({ err: error }, 'disconnect cleanup failed')),
      );
    });
  });

  // Fastify waits for open connections before its onClose hooks run, and upgraded WebSockets are
  // not among the connections it can force shut: close them first, or close() never returns.
  app.addHook('preClose', async () => {
    io.local.disconnectSockets(true);
    io.engine.close();
  });
  app.addHook('onClose', async () => {
    for (const timer of graceTimers.values()) clearTimeout(timer);
    graceTimers.clear();
  });
};

/** The signaling plugin (see {@link signaling}). */
export const signalingPlugin = fp(signaling, { name: 'rtc-call-signaling', fastify: '5.x' });
