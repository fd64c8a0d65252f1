import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import type { TestRunnerConfig } from '@web/test-runner';
import { buildApp } from './server/app.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, PROMPT_CHROMIUM_FLAGS } from './test/browser/chromium.js';
import { mediaPermissionPlugin } from './test/browser/media-permission-plugin.js';

// The real signaling server, on a free port of 127.0.0.1, for the whole browser run.
const signaling = await buildApp({ logLevel: 'warn', seatGraceMs: 2000 });
await signaling.listen({ port: 0, host: '127.0.0.1' });
const address = signaling.server.address();
if (!address || typeof address === 'string') throw new Error('signaling server has no TCP address');
const signalingUrl = `http://127.0.0.1:${address.port}`;

const config: TestRunnerConfig = {
  files: ['test/browser/**/*.test.ts', '!test/browser/**/*.prompt.test.ts'],
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
  ],
  testRunnerHtml: (testFramework) => `<!doctype html>
    <html lang="en">
      <body>
        <script>window.__rtcTest = ${JSON.stringify({ signaling: signalingUrl })};</script>
        <script type="module" src="${testFramework}"></script>
      </body>
    </html>`,
  plugins: [
    mediaPermissionPlugin(),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: new URL('./tsconfig.json', import.meta.url).pathname }),
    {
      name: 'rtc-call-signaling',
      async serverStop() {
        await signaling.close();
      },
    },
  ],
};

export default config;
