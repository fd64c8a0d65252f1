import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { fail, type Fail, type Parsed } from '../../src/protocol/errors.js';
import {
  CLIENT_EVENTS,
  parseEmpty,
  parseJoin,
  parseSignal,
  type ClientToServerEvents,
} from '../../src/protocol/signaling.js';
import type { Limits } from '../config.js';
import type { RequestSource } from '../lib/client-address.js';
import { TokenBucket } from '../lib/rate-limit.js';
import { SeatsUnavailableError } from '../lib/seats.js';
import { signalingServer, type SignalingSocket } from '../lib/signaling-socket.js';

/** A client → server event of protocol v1. */
export type ClientEvent = (typeof CLIENT_EVENTS)[number];
/** The payload of `E` once validated against its schema. */
export type InboundPayload<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[0];
/** What the handler of `E` answers: its acknowledgement. */
export type InboundAnswer<E extends ClientEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];
/** Answers one validated event of one socket; a throw becomes an `internal` (or `unavailable`) refusal. */
export type InboundHandler<E extends ClientEvent> = (
  socket: SignalingSocket,
  payload: InboundPayload<E>,
) => Promise<InboundAnswer<E>> | InboundAnswer<E>;

/** `app.inbound`: where the signaling plugins take their events from. */
export interface Inbound {
  /** Makes `handler` the one answerer of `event`; it gets the payload only once it passed its schema. */
  handle<E extends ClientEvent>(event: E, handler: InboundHandler<E>): void;
  /** Runs `task` after every event the socket sent before it; a failure is logged, never thrown. */
  enqueue(socket: SignalingSocket, task: () => Promise<void>): void;
}

/** Options of {@link inboundPlugin}. */
export interface InboundOptions {
  limits: Pick<Limits, 'burst' | 'perSecond' | 'strikes'>;
  /** The client's address for the log (through trusted proxies); the socket's own when absent. */
  clientAddress?: (source: RequestSource) => string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The one door in for client events (plugins/inbound.ts). */
    inbound: Inbound;
  }
}

/** The schema of each client event (src/protocol/): nothing else reads a payload before it passed. */
const SCHEMAS: { [E in ClientEvent]: (payload: unknown) => Parsed<InboundPayload<E>> } = {
  join: parseJoin,
  signal: parseSignal,
  'ice-servers': (payload) => parseEmpty(payload, 'ice-servers'),
  leave: (payload) => parseEmpty(payload, 'leave'),
};

type Answer = InboundAnswer<ClientEvent>;
type Ack = (answer: Answer) => void;

const isClientEvent = (event: unknown): event is ClientEvent =>
  typeof event === 'string' && (CLIENT_EVENTS as readonly string[]).includes(event);

function checkOptions(options: InboundOptions): void {
  for (const name of ['burst', 'perSecond', 'strikes'] as const) {
    if (!(options.limits?.[name] > 0)) throw new TypeError(`inboundPlugin: limits.${name} must be a positive number.`);
  }
}

async function inbound(app: FastifyInstance, options: InboundOptions): Promise<void> {
  checkOptions(options);
  const { limits } = options;
  const { metrics } = app;
  const io = signalingServer(app);
  const handlers = new Map<ClientEvent, (socket: SignalingSocket, payload: unknown) => Promise<Answer> | Answer>();

  app.decorate('inbound', {
    handle<E extends ClientEvent>(event: E, handler: InboundHandler<E>): void {
      if (!isClientEvent(event)) throw new TypeError(`inbound.handle: ${String(event)} is not a protocol v1 event.`);
      if (handlers.has(event)) throw new Error(`inbound.handle: ${event} already has a handler.`);
      handlers.set(event, (socket, payload) => {
        const parsed = SCHEMAS[event](payload);
        return parsed.ok ? handler(socket, parsed.value) : parsed;
      });
    },
    enqueue,
  });
  // Every v1 event gets an answer: a server missing a handler must not start.
  app.addHook('onReady', async () => {
    const missing = CLIENT_EVENTS.filter((event) => !handlers.has(event));
    if (missing.length > 0) throw new Error(`inboundPlugin: no handler for ${missing.join(', ')}.`);
  });

  /** Answers exactly once, counts refusals, and never lets a failing callback escape. */
  function answer(ack: Ack, event: ClientEvent | null, result: Answer | Fail): void {
    if (!result.ok) metrics.errors.inc(result.error.code);
    if (event === 'join') metrics.joins.inc(result.ok ? 'ok' : result.error.code);
    try {
      ack(result);
    } catch (error) {
      app.log.warn({ err: error, event }, 'acknowledgement failed');
    }
  }

  /** The one door in: rate limit, then validate, then run in order; always one answer, never a throw. */
  function receive(socket: SignalingSocket, packet: unknown[]): void {
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
        // Every event has its handler: the server does not start otherwise (onReady above).
        result =
          args.length === 1
            ? await handlers.get(known)!(socket, args[0])
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
  function addressOf(socket: SignalingSocket): string {
    return options.clientAddress ? options.clientAddress(socket.handshake) : socket.handshake.address;
  }

  /** Runs `task` after every earlier event of the socket; a failure is logged, never thrown. */
  function enqueue(socket: SignalingSocket, task: () => Promise<void>): void {
    socket.data.queue = socket.data.queue
      .then(task)
      .catch((error: unknown) => app.log.error({ err: error }, 'queued task failed'));
  }

  io.on('connection', (socket) => {
    socket.data.queue = Promise.resolve();
    socket.data.bucket = new TokenBucket(limits);
    socket.data.cutOff = false;
    // A middleware that never calls next(): every inbound event comes through receive(), and no
    // client packet can reach a socket.io listener directly.
    socket.use((packet) => {
      try {
        receive(socket, packet);
      } catch (error) {
        app.log.error({ err: error }, 'inbound event failed');
      }
    });
  });
}

/**
 * The one door in for client events (DESIGN.md §2): each socket's rate limit (refusals, then a
 * disconnect for a flood), events of no v1 name counted and dropped, every payload validated
 * against its schema from src/protocol/ before its handler sees it, one socket's events run in
 * arrival order, and exactly one answer to each, never a throw. Wrapped with fastify-plugin: the
 * signaling plugins register their handlers through `app.inbound`.
 */
export const inboundPlugin = fp(inbound, {
  name: 'rtc-call-inbound',
  fastify: '5.x',
  decorators: { fastify: ['io', 'metrics'] },
});
