import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { DEFAULT_CONFIG, DEFAULT_LIMITS, type ServerConfig } from './config.js';
import { clientAddress, proxyTrust, type RequestSource } from './lib/client-address.js';
import { SessionKeys } from './lib/ids.js';
import type { SeatStore } from './lib/seats.js';
import type { RedisSeatOptions } from './lib/seats-redis.js';
import { sessionSecret } from './lib/session-secret.js';
import { loadTls } from './lib/tls.js';
import { handshakePlugin } from './plugins/handshake.js';
import { healthPlugin } from './plugins/health.js';
import { iceServersPlugin } from './plugins/ice-servers.js';
import { inboundPlugin } from './plugins/inbound.js';
import { metricsPlugin } from './plugins/metrics.js';
import { redisPlugin } from './plugins/redis.js';
import { relayPlugin } from './plugins/relay.js';
import { seatsPlugin } from './plugins/seats.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { slowReadersPlugin } from './plugins/slow-readers.js';
import { socketIoPlugin } from './plugins/socket-io.js';
import { staticPlugin } from './plugins/static.js';

/** Options of {@link buildApp}: any subset of the server configuration, limits one by one. */
export type AppOptions = Partial<Omit<ServerConfig, 'limits'>> & {
  limits?: Partial<ServerConfig['limits']>;
  /** Where seats live; the in-memory store by default (or Redis when `redisUrl` is set). */
  seats?: SeatStore;
  /** Heartbeat, node timeout, hold and key prefix of the Redis store (tests shorten them). */
  redis?: Omit<RedisSeatOptions, 'log' | 'nodeId'>;
  /** Where the JSON log lines go instead of stdout (tests read them). */
  logStream?: { write(line: string): void };
};

/** Builds the server (demo, bundle, signaling, health, metrics). Never listens: the caller does. */
export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const { seats: givenSeats, limits, redis, logStream, ...rest } = options;
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...rest, limits: { ...DEFAULT_LIMITS, ...limits } };
  const tls = await loadTls(config.tls, config.certDir);
  const app = Fastify({
    logger: config.logLevel === false ? false : { level: config.logLevel, ...(logStream ? { stream: logStream } : {}) },
    // Socket.io answers its own routes; Fastify must not time them out or parse them.
    forceCloseConnections: true,
    ...(tls ? { https: tls } : {}),
  });
  if (config.production && config.allowedOrigins === '*') {
    app.log.warn('ALLOWED_ORIGINS is "*": pages of any site may use this signaling server; list your origins.');
  }
  if (config.production && !config.joinSecret) {
    app.log.info(
      config.turnSecret
        ? 'JOIN_SECRET is not set: anyone who knows a room name can join it, and anyone can get TURN credentials (TURN_MINT_PER_MINUTE per address).'
        : 'JOIN_SECRET is not set: anyone who knows a room name can join it.',
    );
  }
  // Fastify's default answer to a 500 is the error's own message: for a file-system error that
  // is its code and the absolute path of the install. Only the log gets those.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A status outside 4xx/5xx on an error is a bug of its own: a 500 too.
    const given = error.statusCode ?? 500;
    const status = given >= 400 && given < 600 ? given : 500;
    if (status < 500) {
      // Fastify's and our own 4xx errors describe the request, not the server: sent as they are.
      return reply
        .code(status)
        .send({ statusCode: status, code: error.code, error: STATUS_CODES[status], message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({
      statusCode: status,
      error: STATUS_CODES[status],
      message: 'The server could not answer this request; the error is in its log.',
    });
  });
  const sessions = await sessionSecret(config, app.log);
  app.log.info({ from: sessions.source }, 'sessions are signed with a secret');
  const trust = proxyTrust(config.trustProxy);
  const addressOf = (source: RequestSource): string => clientAddress(source, trust);
  // Before any route: its hooks reach every answer of the server.
  await app.register(securityHeadersPlugin, { allowedOrigins: config.allowedOrigins });
  await app.register(redisPlugin, { url: config.redisUrl, ...(givenSeats ? { seats: givenSeats } : {}), store: redis });
  await app.register(healthPlugin);
  await app.register(staticPlugin);
  await app.register(metricsPlugin);
  // Signaling (DESIGN.md §1): each plugin uses what those before it decorate the app with.
  await app.register(socketIoPlugin, { allowedOrigins: config.allowedOrigins, limits: config.limits });
  await app.register(handshakePlugin, {
    allowedOrigins: config.allowedOrigins,
    joinSecret: config.joinSecret,
    sessions: new SessionKeys(sessions.secret),
    joinTokenRules: {
      audience: config.joinAudience,
      issuer: config.joinIssuer,
      maxLifetime: config.joinTokenMaxLifetime,
      leeway: config.joinTokenLeeway,
    },
  });
  await app.register(inboundPlugin, { limits: config.limits, clientAddress: addressOf });
  await app.register(slowReadersPlugin, { limits: config.limits, clientAddress: addressOf });
  const { stunUrls, turnUrls, turnSecret, turnTtl, turnMintPerMinute, trustProxy } = config;
  await app.register(iceServersPlugin, { stunUrls, turnUrls, turnSecret, turnTtl, turnMintPerMinute, trustProxy });
  await app.register(seatsPlugin, { seatGraceMs: config.seatGraceMs });
  await app.register(relayPlugin);
  return app;
}
