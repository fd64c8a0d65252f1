import { ServerResponse, type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { JoinRequest } from '../../src/protocol/signaling.js';
import { SessionKeys } from '../lib/ids.js';
import { LogLimiter } from '../lib/rate-limit.js';
import { signalingServer } from '../lib/signaling-socket.js';
import { verifyJoinToken, type JoinTokenRules } from '../lib/tokens.js';

/** Options of {@link handshakePlugin}. */
export interface HandshakeOptions {
  allowedOrigins: '*' | string[];
  /** HS256 secret of join tokens; null: no token needed. */
  joinSecret: string | null;
  /** `aud`, `iss`, lifetime and leeway rules of join tokens; DESIGN.md §3's defaults when absent. */
  joinTokenRules?: JoinTokenRules;
  /** Issues and checks sessions: only a session it signed is ever seated. */
  sessions: SessionKeys;
}

/** Who a join is: the session it goes on with, the seat holder that session is, and its token's verdict. */
export interface JoinIdentity {
  /** The session offered, if this server (or a node sharing its secret) signed it; else a new one. */
  session: string;
  /** The session's keyed hash, under which seats are kept ({@link SessionKeys.holder}). */
  holder: string;
  /** Null when the join may take a new seat, else why not (a sentence for a person). */
  tokenProblem: string | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Who a join is (plugins/handshake.ts); `socketId` only names the socket in the log. */
    identifyJoin(request: JoinRequest, socketId: string): Promise<JoinIdentity>;
  }
}

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

function checkOptions(options: HandshakeOptions): void {
  const { allowedOrigins, joinSecret, sessions } = options;
  if (
    allowedOrigins !== '*' &&
    !(Array.isArray(allowedOrigins) && allowedOrigins.every((o) => typeof o === 'string'))
  ) {
    throw new TypeError('handshakePlugin: allowedOrigins must be "*" or a list of origins.');
  }
  if (joinSecret !== null && typeof joinSecret !== 'string') {
    throw new TypeError('handshakePlugin: joinSecret must be a string, or null.');
  }
  if (!(sessions instanceof SessionKeys)) throw new TypeError('handshakePlugin: sessions must be a SessionKeys.');
}

async function handshake(app: FastifyInstance, options: HandshakeOptions): Promise<void> {
  checkOptions(options);
  const { allowedOrigins, joinSecret, joinTokenRules, sessions } = options;
  const io = signalingServer(app);

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
    if (originAllowed(allowedOrigins, origin, request.headers.host)) return next();
    app.metrics.handshakesRefused.inc('origin');
    if (refusedLog.allow()) app.log.warn({ origin }, 'handshake refused: origin not in ALLOWED_ORIGINS');
    // Answered here and never passed on: engine.io would answer a failed middleware with a bare
    // "Bad request".
    refuse(request, response, `Pages of ${origin} may not use this signaling server (ALLOWED_ORIGINS).`);
  });
  app.addHook('onClose', async () => refusedLog.flush());

  /** Null when the join may take a new seat, else why not (a sentence for a person). */
  async function tokenProblem(request: JoinRequest): Promise<string | null> {
    if (!joinSecret) return null;
    if (request.token === undefined) {
      return 'This room needs a join token: open the invitation link again, or ask whoever sent it for a new one.';
    }
    const check = await verifyJoinToken(request.token, joinSecret, request.room, joinTokenRules);
    return check.ok ? null : check.reason;
  }

  app.decorate('identifyJoin', async (request: JoinRequest, socketId: string): Promise<JoinIdentity> => {
    const problem = await tokenProblem(request);
    // Only a session this server (or a node sharing its secret) signed is ever seated: one the
    // client made up, or altered, is ignored and the join gets a new session, as if it sent none.
    const offered = request.session;
    const session = offered !== undefined && sessions.verify(offered) ? offered : sessions.issue();
    if (offered !== undefined && session !== offered) {
      app.log.debug({ socket: socketId }, 'join presented a session this server never issued: issued a new one');
    }
    return { session, holder: sessions.holder(session), tokenProblem: problem };
  });
}

/**
 * Who may connect and who a join is. Every engine.io request from a page whose origin is not
 * allowed is refused with 403 (counted, and logged at a bounded rate); `app.identifyJoin` checks a
 * join's token against the room and keeps or replaces its session. Wrapped with fastify-plugin:
 * plugins/seats.ts seats people by `app.identifyJoin`.
 */
export const handshakePlugin = fp(handshake, {
  name: 'rtc-call-handshake',
  fastify: '5.x',
  decorators: { fastify: ['io', 'metrics'] },
});
