import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULT_CONFIG, type ServerConfig } from './config.js';
import { signalingPlugin } from './plugins/signaling.js';
import { staticPlugin } from './plugins/static.js';

/** Options of {@link buildApp}: any subset of the server configuration. */
export type AppOptions = Partial<ServerConfig>;

/** Builds the server (demo, bundle, signaling, health). Never listens: the caller does. */
export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const config: ServerConfig = { ...DEFAULT_CONFIG, ...options };
  const app = Fastify({
    logger: config.logLevel === false ? false : { level: config.logLevel },
    // Socket.io answers its own routes; Fastify must not time them out or parse them.
    forceCloseConnections: true,
  });
  app.get('/healthz', async () => ({ ok: true }));
  await app.register(staticPlugin);
  await app.register(signalingPlugin, {
    allowedOrigins: config.allowedOrigins,
    stunUrls: config.stunUrls,
    seatGraceMs: config.seatGraceMs,
  });
  return app;
}
