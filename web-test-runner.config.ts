import { randomBytes } from 'node:crypto';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher, puppeteerCore } from '@web/test-runner-chrome';
import type { TestRunnerConfig, TestRunnerPlugin } from '@web/test-runner';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './server/app.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, PROMPT_CHROMIUM_FLAGS } from './test/browser/chromium.js';
import { FIREFOX_PATH, FIREFOX_PREFS } from './test/browser/firefox.js';
import { mediaPermissionPlugin } from './test/browser/media-permission-plugin.js';
import type { TurnSetup } from './test/browser/helpers.js';
import { startCoturn, type Coturn } from './test/support/coturn.js';

async function listen(options: AppOptions): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp({ logLevel: 'warn', ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('signaling server has no TCP address');
  return { app, url: `http://127.0.0.1:${address.port}` };
}

// The real signaling server, on a free port of 127.0.0.1, for the whole browser run.
const signaling = await listen({ seatGraceMs: 2000 });

// A coturn and a second signaling server configured for it, started by the first test that asks.
let turn: Promise<{ coturn: Coturn; signaling: { app: FastifyInstance; url: string } }> | null = null;

function startTurn(): NonNullable<typeof turn> {
  turn ??= (async () => {
    const secret = randomBytes(24).toString('base64url');
    const coturn = await startCoturn({ secret });
    try {
      // Every browser of the run is one client address (127.0.0.1): no per-address minting limit,
      // or the relay tests' ice-servers requests could get STUN-only answers past the 20th.
      const withTurn = await listen({
        seatGraceMs: 2000,
        turnUrls: [coturn.url],
        turnSecret: secret,
        turnTtl: 600,
        turnMintPerMinute: 0,
      });
      return { coturn, signaling: withTurn };
    } catch (error) {
      await coturn.stop();
      throw error;
    }
  })();
  return turn;
}

async function setup(): Promise<TurnSetup> {
  const { coturn, signaling: withTurn } = await startTurn();
  return { url: coturn.url, port: coturn.port, signaling: withTurn.url };
}

/**
 * Server commands for browser tests (`executeServerCommand` from '@web/test-runner-commands'):
 * `coturn-start` starts coturn once and answers {@link TurnSetup}; `coturn-restart` restarts it on
 * the same port (every allocation lost, as for an ICE-restart test); `signaling-blip {room}` closes
 * the transport of every socket seated in that room and answers how many it closed.
 */
const coturnCommands: TestRunnerPlugin = {
  name: 'rtc-call-coturn',
  async executeCommand({ command, payload }) {
    if (command === 'coturn-start') return setup();
    if (command === 'signaling-blip') {
      // A network blip of every socket seated in the room: each one's transport closes under it
      // (socket.io's "transport close"), so the client reconnects and rejoins by itself.
      const { room } = payload as { room: string };
      let closed = 0;
      for (const socket of signaling.app.io.sockets.sockets.values()) {
        if ((socket.data as { membership?: { room?: string } | null }).membership?.room !== room) continue;
        socket.conn.close();
        closed += 1;
      }
      return closed;
    }
    if (command === 'coturn-restart') {
      const { coturn } = await startTurn();
      await coturn.restart();
      return setup();
    }
    return undefined;
  },
  async serverStop() {
    if (!turn) return;
    const { coturn, signaling: withTurn } = await turn;
    await withTurn.app.close();
    await coturn.stop();
  },
};

// The element suites; `*.prompt.test.ts` need a Chromium without the fake media UI.
// RTC_TEST_FILES=test/browser/x.test.ts runs one file (in Chromium and Firefox alike) while working on it.
const ELEMENT_SUITES = process.env.RTC_TEST_FILES
  ? [process.env.RTC_TEST_FILES]
  : ['test/browser/**/*.test.ts', '!test/browser/**/*.prompt.test.ts'];

const config: TestRunnerConfig = {
  files: ELEMENT_SUITES,
  nodeResolve: { browser: true, exportConditions: ['browser', 'production'] },
  concurrency: 1,
  // One browser at a time: two of them, each with calls, starve this 2-core machine class.
  concurrentBrowsers: 1,
  hostname: '127.0.0.1',
  testFramework: { config: { timeout: 30_000 } },
  testsFinishTimeout: 10 * 60_000,
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS },
    }),
  ],
  groups: [
    {
      // A browser that has not been granted camera and microphone yet (see PROMPT_CHROMIUM_FLAGS).
      name: 'permission-prompt',
      files: 'test/browser/**/*.prompt.test.ts',
      browsers: [
        chromeLauncher({
          launchOptions: { executablePath: CHROMIUM_PATH, headless: true, args: PROMPT_CHROMIUM_FLAGS },
        }),
      ],
    },
    {
      // The same suites in Firefox ESR over WebDriver BiDi: puppeteer-core launches Debian's binary
      // (no browser download). What cannot run there skips itself (`isFirefox`, docs/testing.md).
      name: 'firefox',
      files: ELEMENT_SUITES,
      browsers: [
        chromeLauncher({
          puppeteer: puppeteerCore,
          launchOptions: {
            browser: 'firefox',
            executablePath: FIREFOX_PATH,
            headless: true,
            extraPrefsFirefox: FIREFOX_PREFS,
          },
        }),
      ],
    },
  ],
  testRunnerHtml: (testFramework) => `<!doctype html>
    <html lang="en">
      <body>
        <script>window.__rtcTest = ${JSON.stringify({ signaling: signaling.url })};</script>
        <script type="module" src="${testFramework}"></script>
      </body>
    </html>`,
  plugins: [
    mediaPermissionPlugin(),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: new URL('./tsconfig.json', import.meta.url).pathname }),
    coturnCommands,
    {
      name: 'rtc-call-signaling',
      async serverStop() {
        await signaling.app.close();
      },
      // Browser tests call these through executeServerCommand('…', payload).
      async executeCommand({ command, payload }) {
        const sockets = [...signaling.app.io.of('/').sockets.values()];
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
