import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULT_CONFIG, DEFAULT_LIMITS, type ServerConfig } from './config.js';
import { SignalingMetrics } from './lib/metrics.js';
import type { SeatStore } from './lib/rooms.js';
import { loadTls } from './lib/tls.js';
import { iceServerSource } from './lib/turn.js';
import { metricsPlugin } from './plugins/metrics.js';
import { signalingPlugin } from './plugins/signaling.js';
import { staticPlugin } from './plugins/static.js';

/** Options of {@link buildApp}: any subset of the server configuration, limits one by one. */
export type AppOptions = Partial<Omit<ServerConfig, 'limits'>> & {
  limits?: Partial<ServerConfig['limits']>;
  /** Where seats live; the in-memory store by default. */
  seats?: SeatStore;
};

/** Builds the server (demo, bundle, signaling, health, metrics). Never listens: the caller does. */
export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const { seats, limits, ...rest } = options;
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
  const metrics = new SignalingMetrics();
  app.get('/healthz', async () => ({ ok: true }));
  await app.register(staticPlugin);
  await app.register(metricsPlugin, { metrics });
  await app.register(signalingPlugin, {
    allowedOrigins: config.allowedOrigins,
    joinSecret: config.joinSecret,
    iceServers: iceServerSource(config),
    seatGraceMs: config.seatGraceMs,
    limits: config.limits,
    metrics,
    ...(seats ? { seats } : {}),
  });
  return app;
}
