import type { FastifyInstance } from 'fastify';
import { fail, type Fail } from '../../src/protocol/errors.js';
import { PROTOCOL_VERSION, type JoinOk, type JoinRequest, type Ok } from '../../src/protocol/signaling.js';
import { peerIdOf } from '../lib/ids.js';
import { holdsSeat, type LocalSeat } from '../lib/seats.js';
import { sendToSeat, signalingServer, type Membership, type SignalingSocket } from '../lib/signaling-socket.js';

/** Options of {@link seatsPlugin}. */
export interface SeatsOptions {
  /** Milliseconds a seat whose socket dropped stays reserved for its owner. */
  seatGraceMs: number;
}

/**
 * The two seats of each room (DESIGN.md §2): `join` takes or takes back a seat (and disconnects the
 * ghost socket of a reload), `leave` frees it at once, and a dropped socket's seat is held for its
 * owner for `seatGraceMs` before the other occupant hears `peer-leave`. Seats live in
 * `app.seatStore`; a store shared by several nodes also hands this node the seats of dead nodes to
 * time. Encapsulated: its sibling plugins read a socket's seat from `socket.data.membership`.
 */
export async function seatsPlugin(app: FastifyInstance, options: SeatsOptions): Promise<void> {
  const { seatGraceMs } = options;
  if (!(Number.isFinite(seatGraceMs) && seatGraceMs >= 0)) {
    throw new TypeError('seatsPlugin: seatGraceMs must be a number of milliseconds, 0 or more.');
  }
  const { metrics, seatStore: seats } = app;
  const io = signalingServer(app);
  const graceTimers = new Map<string, NodeJS.Timeout>();

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
      startGrace({ room, holder, peer: peerIdOf(holder) }, Math.max(0, seatGraceMs - awayMs)),
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
      sendToSeat(io, other, 'peer-leave', { peer: freed.peer, reason });
    }
  }

  async function join(socket: SignalingSocket, request: JoinRequest): Promise<JoinOk | Fail> {
    const { session, holder, tokenProblem } = await app.identifyJoin(request, socket.id);
    const current = socket.data.membership;
    if (current && (current.room !== request.room || current.holder !== holder)) {
      // Joining elsewhere from the same socket leaves the old seat first.
      socket.data.membership = null;
      await freeSeat(current, 'left');
    }
    // Without a valid token a session may still take back the seat it holds (a reconnect late in a
    // call whose token has expired since), but never a new one.
    const claim = await seats.claim(request.room, holder, socket.id, { newSeat: tokenProblem === null });
    if (!claim.ok) {
      return claim.reason === 'not-held'
        ? fail('unauthorized', tokenProblem ?? 'A join token is needed.')
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
      if (claim.retaken && !resumed) sendToSeat(io, other, 'peer-leave', { peer: claim.seat.peer, reason: 'replaced' });
      sendToSeat(io, other, 'peer-join', { peer: claim.seat.peer, polite: other.peer < claim.seat.peer, resumed });
    }
    const grant = app.iceServers(claim.seat.peer, socket.handshake);
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

  async function leave(socket: SignalingSocket): Promise<Ok> {
    const membership = socket.data.membership;
    socket.data.membership = null;
    // A stale socket's late `leave` must not free the seat a newer socket of the session took back.
    if (membership && holdsSeat(await seats.occupants(membership.room), membership.holder, socket.id)) {
      await freeSeat(membership, 'left');
    }
    return { ok: true };
  }

  async function disconnected(socket: SignalingSocket): Promise<void> {
    const membership = socket.data.membership;
    socket.data.membership = null;
    // A node shutting down hands its seats over instead (the Redis store's close; memory ends).
    if (!membership || app.signalingClosing) return;
    if (!(await seats.detach(membership.room, membership.holder, socket.id))) return;
    startGrace(membership, seatGraceMs);
  }

  app.inbound.handle('join', join);
  app.inbound.handle('leave', (socket) => leave(socket));
  io.on('connection', (socket) => {
    socket.data.membership = null;
    socket.on('disconnect', () => app.inbound.enqueue(socket, () => disconnected(socket)));
  });

  app.addHook('onClose', async () => {
    for (const timer of graceTimers.values()) clearTimeout(timer);
    graceTimers.clear();
  });
}
