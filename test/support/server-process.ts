// Runs the real server in a process of its own (so a test can watch it survive), on a free port of
// 127.0.0.1: `node --import tsx test/support/server-process.ts '<AppOptions as JSON>'`. Prints
// `listening <url>` once it is up; closes on SIGTERM.
import { buildApp, type AppOptions } from '../../server/app.js';

const options = JSON.parse(process.argv[2] ?? '{}') as AppOptions;
const app = await buildApp({ logLevel: 'error', ...options });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('server has no TCP address');
process.stdout.write(`listening http://127.0.0.1:${address.port}\n`);
// Started by test/support/node-process.ts: stdin is a pipe from the test, which ends when the test
// process does, even when it dies without its cleanup (a timed-out file): no node outlives it.
if (process.env.RTC_CALL_EXIT_WITH_PARENT === '1') {
  process.stdin.resume();
  process.stdin.once('end', () => process.exit(0));
}
process.once('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
