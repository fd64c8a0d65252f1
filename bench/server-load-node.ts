// One signaling node for bench/server-load.ts, in a process of its own so its memory and event
// loop are its own: `node --expose-gc --import tsx bench/server-load-node.ts '<AppOptions as JSON>'`.
// Talks to its parent over IPC: `stats` (after a GC), `reset` (the event-loop histogram), `close`.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { buildApp, type AppOptions } from '../server/app.js';

const options = JSON.parse(process.argv[2] ?? '{}') as AppOptions;
const app = await buildApp({ logLevel: 'warn', ...options });
await app.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('no TCP address');

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const gc = (globalThis as { gc?: () => void }).gc;
let cpuSince = process.cpuUsage();
let wallSince = performance.now();

process.on('message', (message: string) => {
  if (message === 'reset') {
    delay.reset();
    cpuSince = process.cpuUsage();
    wallSince = performance.now();
    process.send!({ type: 'reset' });
  } else if (message === 'stats') {
    // Read the loop delay before the GC below, which stalls the loop itself.
    const delayMs = { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
    // CPU time this process used since `reset`, and the wall time it had for it.
    const cpu = process.cpuUsage(cpuSince);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const wallMs = performance.now() - wallSince;
    gc?.();
    process.send!({
      type: 'stats',
      rss: process.memoryUsage().rss,
      sockets: app.io.engine.clientsCount,
      delayMs,
      cpuMs,
      wallMs,
    });
  } else if (message === 'close') {
    app.close().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'listening', url: `http://127.0.0.1:${address.port}` });
