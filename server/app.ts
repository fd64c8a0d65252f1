import { createAdapter } from '@socket.io/redis-adapter';
import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULT_CONFIG, DEFAULT_LIMITS, type ServerConfig } from './config.js';
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
import { signalingPlugin } from './plugins/signaling.js';
import { staticPlugin } from './plugins/static.js';

/** Options of {@link buildApp}: any subset of the server configuration, limits one by one. */
export type AppOptions = Partial<Omit<ServerConfig, 'limits'>> & {
  limits?: Partial<ServerConfig['limits']>;
  /** Where seats live; the in-memory store by default (or Redis when `redisUrl` is set). */
  seats?: SeatStore;
  /** Heartbeat, node timeout, hold and key prefix of the Redis store (tests shorten them). */
  redis?: Omit<RedisSeatOptions, 'log' | 'nodeId'>;
};

/** How long a node waits for Redis at start before it listens anyway (joins then wait for Redis). */
const REDIS_START_WAIT_MS = 5000;

/** Builds the server (demo, bundle, signaling, health, metrics). Never listens: the caller does. */
export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const { seats: givenSeats, limits, redis, ...rest } = options;
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...rest, limits: { ...DEFAULT_LIMITS, ...limits } };
  const tls = await loadTls(config.tls, config.certDir);
  const app = Fastify({
    logger: config.logLevel === false ? false : { level: config.logLevel },
    // Socket.io answers its own routes; Fastify must not time them out or parse them.
    forceCloseConnections: true,
    ...(tls ? { https: tls } : {}),
  });
  if (config.production && config.allowedOrigins === '*') {
    app.log.warn('ALLOWED_ORIGINS is "*": pages of any site may use this signaling server; list your origins.');
  }
  if (config.production && !config.joinSecret) {
    app.log.info('JOIN_SECRET is not set: anyone who knows a room name can join it.');
  }
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
  app.get('/healthz', async () => ({ ok: true, ...(seats?.health ? { redis: seats.health() } : {}) }));
  await app.register(staticPlugin);
  await app.register(metricsPlugin, { metrics });
  await app.register(signalingPlugin, {
    allowedOrigins: config.allowedOrigins,
    joinSecret: config.joinSecret,
    sessions: new SessionKeys(sessions.secret),
    iceServers: iceServerSource(config),
    seatGraceMs: config.seatGraceMs,
    limits: config.limits,
    metrics,
    ...(seats ? { seats } : {}),
    ...(adapter ? { adapter } : {}),
  });
  return app;
}
