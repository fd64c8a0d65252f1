import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import fastifySocketIOModule from 'fastify-socket.io';
import type { ServerOptions } from 'socket.io';
import type { Limits } from '../config.js';
import { signalingServer } from '../lib/signaling-socket.js';

/** Options of {@link socketIoPlugin}. */
export interface SocketIoOptions {
  /** `ALLOWED_ORIGINS`, for the CORS headers of long-polling answers (plugins/handshake.ts checks origins). */
  allowedOrigins: '*' | string[];
  limits: Pick<Limits, 'pingIntervalMs' | 'pingTimeoutMs' | 'connectTimeoutMs'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** True from the start of `close()`: no new session, and a dropped seat starts no grace (plugins/socket-io.ts). */
    signalingClosing: boolean;
  }
}

const MAX_HTTP_BUFFER = 64 * 1024;
/** How long shutdown waits for `server-shutdown` to reach every client before cutting them off. */
const SHUTDOWN_DRAIN_MS = 2000;

// fastify-socket.io is CommonJS whose types claim an ES default export; at run time the default
// import is the plugin function itself.
const fastifySocketIO = fastifySocketIOModule as unknown as FastifyPluginAsync<Partial<ServerOptions>>;

function checkOptions(options: SocketIoOptions): void {
  const { allowedOrigins, limits } = options;
  if (allowedOrigins !== '*' && !Array.isArray(allowedOrigins)) {
    throw new TypeError('socketIoPlugin: allowedOrigins must be "*" or a list of origins.');
  }
  for (const name of ['pingIntervalMs', 'pingTimeoutMs', 'connectTimeoutMs'] as const) {
    if (!(limits?.[name] > 0)) throw new TypeError(`socketIoPlugin: limits.${name} must be a positive number.`);
  }
}

async function socketIo(app: FastifyInstance, options: SocketIoOptions): Promise<void> {
  checkOptions(options);
  const { limits } = options;
  let closing = false;
  app.decorate('signalingClosing', { getter: () => closing });

  await app.register(fastifySocketIO, {
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: MAX_HTTP_BUFFER,
    transports: ['websocket', 'polling'],
    pingInterval: limits.pingIntervalMs,
    pingTimeout: limits.pingTimeoutMs,
    connectTimeout: limits.connectTimeoutMs,
    cors: { origin: options.allowedOrigins === '*' ? true : options.allowedOrigins },
    ...(app.socketAdapter ? { adapter: app.socketAdapter } : {}),
    allowRequest: (_request: IncomingMessage, callback: (error: string | null | undefined, ok: boolean) => void) => {
      if (closing) return callback('The server is shutting down; connect again in a moment.', false);
      callback(null, true);
    },
  });
  const io = signalingServer(app);
  app.metrics.gauge({
    name: 'rtc_call_sockets',
    help: 'Connected signaling sockets.',
    read: () => io.engine.clientsCount,
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
}

/**
 * The signaling's socket.io server, `app.io` (DESIGN.md §2): path, transports, heartbeat, buffer
 * size, CORS and the adapter of `app.socketAdapter`; and its shutdown, which refuses new sessions,
 * tells every client `server-shutdown` and lets their transports drain before closing.
 * Wrapped with fastify-plugin: `app.io` is the whole application's (the other signaling plugins,
 * metrics, tests).
 */
export const socketIoPlugin = fp(socketIo, {
  name: 'rtc-call-socket-io',
  fastify: '5.x',
  decorators: { fastify: ['metrics', 'socketAdapter'] },
});
