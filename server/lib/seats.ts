import { peerIdOf } from './ids.js';

/**
 * One of the two seats of a room. `socketId` is null while the owner is away (grace period).
 * `holder` is the keyed hash of the owner's session (`SessionKeys.holder`, ids.ts): stores never see
 * a session, so what they hold (in memory or in Redis) cannot take a seat back.
 */
export interface Seat {
  holder: string;
  peer: string;
  socketId: string | null;
}

/** The outcome of claiming a seat. */
export type ClaimResult =
  | {
      ok: true;
      seat: Seat;
      /** The socket that held this seat before (a reload or reconnect), if any. */
      previousSocketId: string | null;
      /** True when the session already held the seat (retake), false for a new seat. */
      retaken: boolean;
      /** The other occupant, if any. */
      other: Seat | null;
    }
  | {
      ok: false;
      /** `room-full`: both seats are held by others; `not-held`: `newSeat` was false and the holder held none. */
      reason: 'room-full' | 'not-held';
    };

/** Options of {@link SeatStore.claim}. */
export interface ClaimOptions {
  /**
   * Whether the holder may take a seat it does not hold yet (default true). False when the join
   * carried no valid token: a session may still take back its own seat, never a new one.
   */
  newSeat?: boolean;
}

/** Seats per room. Two per room; a holder (a session, hashed) keeps its seat across sockets. */
export interface SeatStore {
  /** Gives `holder` its seat in `room` (taking it back if it holds one), atomically. */
  claim(room: string, holder: string, socketId: string, options?: ClaimOptions): Promise<ClaimResult>;
  /** Frees the seat if `holder` holds it; returns the seat freed. */
  release(room: string, holder: string): Promise<Seat | null>;
  /** Marks the seat as away if `socketId` still holds it; returns whether it did. */
  detach(room: string, holder: string, socketId: string): Promise<boolean>;
  /** Frees the seat only if it is still away (no socket took it back). */
  releaseIfAway(room: string, holder: string): Promise<Seat | null>;
  occupants(room: string): Promise<Seat[]>;
  /** Number of rooms with at least one seat taken (for metrics). */
  roomCount(): Promise<number>;
  /**
   * Shared stores only: connects the store to this node's signaling, which it asks what the node
   * holds and tells about seats the node must now time (see {@link SeatNode}).
   */
  bind?(node: SeatNode): void;
  /** Shared stores only: whether the store can be reached now (for `GET /healthz`). */
  health?(): 'up' | 'down';
  /** Shared stores only: lets go of connections and timers. */
  close?(): Promise<void>;
}

/** A seat as this node knows it: held by one of its sockets, or away and timed by its grace timer. */
export interface LocalSeat {
  room: string;
  holder: string;
  /** Null while the seat is away (the node runs its grace timer). */
  socketId: string | null;
}

/**
 * What a shared store needs from the signaling of its node. A seat whose node died, or whose socket
 * dropped while the store was out of reach, is handed to a live node, which runs the grace rule.
 */
export interface SeatNode {
  /** The seats this node holds or times now, to re-assert after the store lost or doubted them. */
  localSeats(): LocalSeat[];
  /** The seat is away (for `awayMs` already) and this node now frees it once the grace period ends. */
  adopt(room: string, holder: string, awayMs: number): void;
  /** A socket of this node lost its seat while the store was out of reach (someone else holds it now). */
  evict(socketId: string): void;
}

/** The seat store cannot be reached right now (a shared store lost its database): retry later. */
export class SeatsUnavailableError extends Error {
  override name = 'SeatsUnavailableError';
}

/** Seats per room. */
export const SEATS_PER_ROOM = 2;

/** Whether `socketId` still holds `holder`'s seat among `occupants` (a reload or reconnect may have taken it back). */
export function holdsSeat(occupants: readonly Seat[], holder: string, socketId: string): boolean {
  return occupants.some((seat) => seat.holder === holder && seat.socketId === socketId);
}

/** In-memory seats: the embedded default, for a single process (as many rooms as fit in it). */
export class MemorySeatStore implements SeatStore {
  // Keys carry a prefix so that a room name can never collide with anything else in the map.
  readonly #rooms = new Map<string, Map<string, Seat>>();

  async claim(room: string, holder: string, socketId: string, options: ClaimOptions = {}): Promise<ClaimResult> {
    const key = `room:${room}`;
    const seats = this.#rooms.get(key) ?? new Map<string, Seat>();
    const held = seats.get(holder);
    const other = [...seats.values()].find((seat) => seat.holder !== holder) ?? null;
    if (held) {
      const previousSocketId = held.socketId;
      held.socketId = socketId;
      return { ok: true, seat: { ...held }, previousSocketId, retaken: true, other: other && { ...other } };
    }
    if (options.newSeat === false) return { ok: false, reason: 'not-held' };
    if (seats.size >= SEATS_PER_ROOM) return { ok: false, reason: 'room-full' };
    const seat: Seat = { holder, peer: peerIdOf(holder), socketId };
    seats.set(holder, seat);
    this.#rooms.set(key, seats);
    return { ok: true, seat: { ...seat }, previousSocketId: null, retaken: false, other: other && { ...other } };
  }

  async release(room: string, holder: string): Promise<Seat | null> {
    const key = `room:${room}`;
    const seats = this.#rooms.get(key);
    const seat = seats?.get(holder);
    if (!seats || !seat) return null;
    seats.delete(holder);
    if (seats.size === 0) this.#rooms.delete(key);
    return { ...seat };
  }

  async detach(room: string, holder: string, socketId: string): Promise<boolean> {
    const seat = this.#rooms.get(`room:${room}`)?.get(holder);
    if (!seat || seat.socketId !== socketId) return false;
    seat.socketId = null;
    return true;
  }

  async releaseIfAway(room: string, holder: string): Promise<Seat | null> {
    const seat = this.#rooms.get(`room:${room}`)?.get(holder);
    if (!seat || seat.socketId !== null) return null;
    return this.release(room, holder);
  }

  async occupants(room: string): Promise<Seat[]> {
    return [...(this.#rooms.get(`room:${room}`)?.values() ?? [])].map((seat) => ({ ...seat }));
  }

  async roomCount(): Promise<number> {
    return this.#rooms.size;
  }
}
