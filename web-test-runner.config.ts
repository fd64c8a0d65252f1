import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import type { TestRunnerConfig } from '@web/test-runner';
import { buildApp } from './server/app.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './test/browser/chromium.js';

// The real signaling server, on a free port of 127.0.0.1, for the whole browser run.
const signaling = await buildApp({ logLevel: 'warn', seatGraceMs: 2000 });
await signaling.listen({ port: 0, host: '127.0.0.1' });
const address = signaling.server.address();
if (!address || typeof address === 'string') throw new Error('signaling server has no TCP address');
const signalingUrl = `http://127.0.0.1:${address.port}`;

const config: TestRunnerConfig = {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: { browser: true, exportConditions: ['browser', 'production'] },
  concurrency: 1,
  hostname: '127.0.0.1',
  testFramework: { config: { timeout: 30_000 } },
  testsFinishTimeout: 10 * 60_000,
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS },
    }),
  ],
  testRunnerHtml: (testFramework) => `<!doctype html>
    <html lang="en">
      <body>
        <script>window.__rtcTest = ${JSON.stringify({ signaling: signalingUrl })};</script>
        <script type="module" src="${testFramework}"></script>
      </body>
    </html>`,
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: new URL('./tsconfig.json', import.meta.url).pathname }),
    {
      name: 'rtc-call-signaling',
      async serverStop() {
        await signaling.close();
      },
      // Browser tests call these through executeServerCommand('…', payload).
      async executeCommand({ command, payload }) {
        const sockets = [...signaling.io.of('/').sockets.values()];
        const room = (payload as { room?: unknown } | undefined)?.room;
        const inRoom = sockets.filter(
          (socket) => (socket.data as { membership?: { room?: string } | null }).membership?.room === room,
        );
        if (command === 'signaling-drop-count') return inRoom.length;
        if (command !== 'signaling-drop') return undefined;
        // Cuts the WebSocket of every socket in a room without a socket.io goodbye, as a network
        // blip would: clients see "transport close" and reconnect by themselves.
        for (const socket of inRoom) socket.conn.close();
        return inRoom.length;
      },
    },
  ],
};

export default config;
