import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { startServer } from './helpers.js';

test('serves the demo, the bundle (CORS open) and the health check', async (t) => {
  const url = await startServer(t);
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.match(await page.text(), /<rtc-call id="call">/);

  const bundle = await fetch(`${url}/rtc-call.js`);
  assert.equal(bundle.status, 200, 'npm test builds the bundle first');
  assert.match(bundle.headers.get('content-type')!, /javascript/);
  assert.equal(bundle.headers.get('access-control-allow-origin'), '*');
  assert.match(await bundle.text(), /customElements/);

  for (const path of ['/demo.js', '/demo.css']) assert.equal((await fetch(url + path)).status, 200, path);
  assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true });
  assert.equal((await fetch(`${url}/nope`)).status, 404);
});

test('main.ts reads PORT/HOST from the environment, logs JSON, and exits cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  JSON.parse(output.split('\n')[0]!); // structured logs
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

test('main.ts refuses a bad configuration with a message naming the variable', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: 'eighty' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  assert.match(stderr, /PORT must be an integer/);
});
