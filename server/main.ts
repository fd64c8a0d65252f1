import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, configFromEnv, type ServerConfig } from './config.js';
import { lanAddresses } from './lib/tls.js';

/** After SIGTERM/SIGINT, how long close() may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 5000;

let config: ServerConfig;
let app: FastifyInstance;
try {
  config = configFromEnv();
  app = await buildApp(config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`rtc-call: ${error.message}`);
  process.exit(1);
}

await app.listen({ port: config.port, host: config.host });

if (config.tls === 'self-signed') {
  const address = app.server.address();
  const port = address && typeof address !== 'string' ? address.port : config.port;
  const everywhere = ['0.0.0.0', '::', '[::]'].includes(config.host);
  const urls = lanAddresses().v4.map((ip) => `https://${ip}:${port}`);
  if (everywhere && urls.length > 0) {
    app.log.info({ urls }, `On this network, open ${urls.join(' or ')} (accept the self-signed certificate once).`);
  } else if (urls.length > 0) {
    app.log.info(`To reach this server from a phone on the network, start it with HOST=0.0.0.0 and open ${urls[0]}.`);
  }
}

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) process.exit(1);
    closing = true;
    app.log.info({ signal }, 'shutting down: telling clients, then closing');
    // A client that never lets go must not keep the process (and a rolling restart) waiting.
    setTimeout(() => {
      app.log.error(`close() took longer than ${SHUTDOWN_DEADLINE_MS} ms; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error(error);
        process.exit(1);
      },
    );
  });
}
