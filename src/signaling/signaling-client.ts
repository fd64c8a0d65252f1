import { io, type Socket } from 'socket.io-client';
import type { Fail } from '../protocol/errors.js';
import {
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type IceServersOk,
  type JoinOk,
  type JoinRequest,
  type ServerToClientEvents,
  type SignalPayload,
} from '../protocol/signaling.js';
import { SignalingError } from './signaling-error.js';

export { SignalingError };

/** Options of {@link SignalingClient}. */
export interface SignalingClientOptions {
  /** How long to wait for any acknowledgement. */
  ackTimeoutMs?: number;
  /** How many failed connection attempts before `connect()` gives up. */
  connectAttempts?: number;
}

type ServerEvent = keyof ServerToClientEvents;

interface UntypedEmitter {
  on(event: string, listener: (...args: unknown[]) => void): void;
  off(event: string, listener: (...args: unknown[]) => void): void;
}

/**
 * The browser's end of signaling protocol v1: socket.io behind a small typed interface.
 * It reconnects by itself; listen for `connect` to rejoin after a blip.
 */
export class SignalingClient {
  readonly #socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly #ackTimeoutMs: number;
  readonly #connectAttempts: number;
  #closed = false;
  #abortConnect: (() => void) | null = null;

  constructor(url: string, options: SignalingClientOptions = {}) {
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.#connectAttempts = options.connectAttempts ?? 3;
    this.#socket = io(url, {
      path: '/socket.io',
      transports: ['websocket'],
      upgrade: false, // nothing to upgrade to (and the drop-in bundle leaves the probe out)
      autoConnect: false,
      reconnectionDelay: 250,
      reconnectionDelayMax: 4000,
    });
  }

  /** Whether the socket is connected now. */
  get connected(): boolean {
    return this.#socket.connected;
  }

  /** Connects; rejects with `signaling-unreachable` after the configured number of attempts. */
  connect(): Promise<void> {
    const socket = this.#socket;
    if (this.#closed) return Promise.reject(new SignalingError('signaling-unreachable', 'The connection was closed.'));
    if (socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let failures = 0;
      const done = (): void => {
        socket.off('connect', onConnect);
        socket.off('connect_error', onError);
        this.#abortConnect = null;
      };
      this.#abortConnect = () => {
        done();
        reject(new SignalingError('signaling-unreachable', 'The connection was closed.'));
      };
      const onConnect = (): void => {
        done();
        resolve();
      };
      const onError = (error: Error): void => {
        failures += 1;
        if (failures < this.#connectAttempts) return;
        done();
        socket.disconnect();
        reject(new SignalingError('signaling-unreachable', `Cannot reach the signaling server: ${error.message}`));
      };
      socket.on('connect', onConnect);
      socket.on('connect_error', onError);
      socket.connect();
    });
  }

  /** Takes a seat; resolves with the server's `JoinOk`, rejects with a {@link SignalingError}. */
  async join(request: Omit<JoinRequest, 'v'>): Promise<JoinOk> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#request('join', { v: PROTOCOL_VERSION, ...request })) as JoinOk;
      } catch (error) {
        // `unavailable`: the server lost its room database (Redis) for a moment and asks to retry.
        if ((error as SignalingError).code !== 'unavailable' || attempt > 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 3000)));
      }
    }
  }

  /** Relays a description or candidate to the other seat. */
  async signal(payload: SignalPayload): Promise<void> {
    await this.#request('signal', payload);
  }

  /** Asks for fresh ICE servers (TURN credentials), e.g. before an ICE restart. */
  async iceServers(): Promise<IceServersOk> {
    return (await this.#request('ice-servers', {})) as IceServersOk;
  }

  /** Frees the seat at once. */
  async leave(): Promise<void> {
    if (this.#socket.connected) await this.#request('leave', {});
  }

  /** Listens to a server event; returns a function that stops listening. */
  on<E extends ServerEvent>(event: E, listener: ServerToClientEvents[E]): () => void {
    // socket.io's typed emitter cannot relate a generic event to its listener; the map guarantees it.
    const socket = this.#socket as unknown as UntypedEmitter;
    const untyped = listener as (...args: unknown[]) => void;
    socket.on(event, untyped);
    return () => socket.off(event, untyped);
  }

  /**
   * Listens to the socket's own life: `connect` (also after a reconnect) and `disconnect` (with
   * socket.io's reason; `io server disconnect` means the server closed it on purpose and it will
   * not come back by itself).
   */
  onConnection(event: 'connect' | 'disconnect', listener: (reason?: string) => void): () => void {
    this.#socket.on(event, listener);
    return () => this.#socket.off(event, listener);
  }

  /** Disconnects for good. */
  close(): void {
    this.#closed = true;
    this.#abortConnect?.();
    this.#socket.removeAllListeners();
    this.#socket.disconnect();
  }

  async #request(event: keyof ClientToServerEvents, payload: unknown): Promise<unknown> {
    let answer: { ok: true } | Fail;
    try {
      const socket = this.#socket as unknown as Socket;
      answer = (await socket.timeout(this.#ackTimeoutMs).emitWithAck(event, payload)) as { ok: true } | Fail;
    } catch {
      throw new SignalingError('signaling-unreachable', `The signaling server did not answer "${event}".`);
    }
    if (!answer.ok) throw new SignalingError(answer.error.code, answer.error.message);
    return answer;
  }
}
