import { createAdapter } from '@socket.io/redis-adapter';
import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { DEFAULT_CONFIG, DEFAULT_LIMITS, type ServerConfig } from './config.js';
import { clientAddress, proxyTrust } from './lib/client-address.js';
import { SessionKeys } from './lib/ids.js';
import { SignalingMetrics } from './lib/metrics.js';
import type { SeatStore } from './lib/rooms.js';
import {
  DEFAULT_REDIS_PREFIX,
  RedisSeatStore,
  commandClient,
  subscriberClient,
  type RedisSeatOptions,
} from './lib/seats-redis.js';
import { sessionSecret } from './lib/session-secret.js';
import { loadTls } from './lib/tls.js';
import { iceServerSource } from './lib/turn.js';
import { metricsPlugin } from './plugins/metrics.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { signalingPlugin } from './plugins/signaling.js';
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

/** How long a node waits for Redis at start before it listens anyway (joins then wait for Redis). */
const REDIS_START_WAIT_MS = 5000;

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
  const metrics = new SignalingMetrics();
  let seats = givenSeats;
  let adapter: ReturnType<typeof createAdapter> | undefined;
  if (config.redisUrl && !seats) {
    // Errors are logged, never thrown: a node outlives Redis, and ioredis reconnects by itself.
    let lastError = '';
    const onError = (error: Error): void => {
      if (error.message !== lastError) app.log.warn({ err: error }, 'Redis connection problem');
      lastError = error.message;
    };
    const commands = commandClient(config.redisUrl, onError);
    const subscriber = subscriberClient(config.redisUrl, onError);
    commands.on('ready', () => {
      lastError = '';
      app.log.info('connected to Redis');
    });
    const store = new RedisSeatStore(commands, { ...redis, log: app.log });
    seats = store;
    adapter = createAdapter(commands, subscriber, { key: `${redis?.prefix ?? DEFAULT_REDIS_PREFIX}socket.io` });
    app.addHook('onReady', async () => {
      if (!(await store.whenReady(REDIS_START_WAIT_MS))) {
        app.log.warn('Redis is not reachable yet: joins are refused ("unavailable") until it is.');
      }
    });
    app.addHook('onClose', async () => {
      await store.close();
      commands.disconnect();
      subscriber.disconnect();
    });
  }
  // 200 even while Redis is away: every node would fail at once, and a load balancer that took
  // them all out of rotation would end the calls' signaling too. `redis` tells the operator.
  // Before any route: its hooks reach every answer of the server.
  await app.register(securityHeadersPlugin, { allowedOrigins: config.allowedOrigins });
  app.get('/healthz', async () => ({ ok: true, ...(seats?.health ? { redis: seats.health() } : {}) }));
  await app.register(staticPlugin);
  await app.register(metricsPlugin, { metrics });
  const trust = proxyTrust(config.trustProxy);
  await app.register(signalingPlugin, {
    allowedOrigins: config.allowedOrigins,
    joinSecret: config.joinSecret,
    sessions: new SessionKeys(sessions.secret),
    joinTokenRules: {
      audience: config.joinAudience,
      issuer: config.joinIssuer,
      maxLifetime: config.joinTokenMaxLifetime,
      leeway: config.joinTokenLeeway,
    },
    iceServers: iceServerSource(config, {
      onWithheld: (address) =>
        app.log.warn({ address }, 'TURN credentials withheld: more than TURN_MINT_PER_MINUTE from this address'),
    }),
    clientAddress: (source) => clientAddress(source, trust),
    seatGraceMs: config.seatGraceMs,
    limits: config.limits,
    metrics,
    ...(seats ? { seats } : {}),
    ...(adapter ? { adapter } : {}),
  });
  return app;
}
