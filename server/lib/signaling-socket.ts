import type { FastifyInstance } from 'fastify';
import type { Server, Socket } from 'socket.io';
import type { ServerToClientEvents } from '../../src/protocol/signaling.js';
import type { TokenBucket } from './rate-limit.js';
import type { Seat } from './seats.js';

/** Where a socket sits once joined. `holder` is the session's keyed hash: the session is not kept. */
export interface Membership {
  room: string;
  holder: string;
  peer: string;
}

/** What the signaling keeps on each socket (`socket.data`); each field is set by the plugin named. */
export interface SignalingSocketData {
  /** plugins/seats.ts: the seat this socket holds; null before a join and after a leave. */
  membership: Membership | null;
  /** plugins/inbound.ts: events of one socket run one at a time, in arrival order. */
  queue: Promise<void>;
  /** plugins/inbound.ts: the socket's rate limit. */
  bucket: TokenBucket;
  /** plugins/inbound.ts: set once the socket is to be disconnected for flooding: later events are dropped unanswered. */
  cutOff: boolean;
}

// Inbound events never reach socket.io's listeners (plugins/inbound.ts takes them all in one
// middleware), so the inbound map is empty and the outbound one comes from src/protocol/.
/** The signaling's socket.io server, typed with the event maps of src/protocol/. */
export type SignalingServer = Server<
  Record<string, never>,
  ServerToClientEvents,
  Record<string, never>,
  SignalingSocketData
>;

/** One client's socket on {@link SignalingServer}. */
export type SignalingSocket = Socket<
  Record<string, never>,
  ServerToClientEvents,
  Record<string, never>,
  SignalingSocketData
>;

/** `app.io` (fastify-socket.io types it without event maps) as the typed {@link SignalingServer}. */
export function signalingServer(app: FastifyInstance): SignalingServer {
  return app.io as unknown as SignalingServer;
}

/** Sends to the socket holding `seat`, on this node or (through the adapter) another; returns whether there was one. */
export function sendToSeat<E extends keyof ServerToClientEvents>(
  io: SignalingServer,
  seat: Seat | null,
  event: E,
  ...args: Parameters<ServerToClientEvents[E]>
): boolean {
  if (!seat?.socketId) return false;
  // A socket of this node is reached without a round trip through Redis (and while it is away).
  const target = io.sockets.sockets.has(seat.socketId) ? io.local : io;
  target.to(seat.socketId).emit(event, ...args);
  return true;
}
