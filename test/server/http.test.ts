import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
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

test('serves both drop-in scripts, content-hashed immutable copies named in /rtc-call.json, and the embed page', async (t) => {
  const url = await startServer(t);
  for (const name of ['rtc-call', 'rtc-call.iife']) {
    const latest = await fetch(`${url}/${name}.js`);
    assert.equal(latest.status, 200, name);
    assert.match(latest.headers.get('content-type')!, /javascript/);
    assert.equal(latest.headers.get('access-control-allow-origin'), '*');
    assert.equal(latest.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.equal(latest.headers.get('cache-control'), 'public, max-age=300');
    const etag = latest.headers.get('etag')!;
    const body = Buffer.from(await latest.arrayBuffer());
    const again = await fetch(`${url}/${name}.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304, 'revalidation by ETag');
    const map = await fetch(`${url}/${name}.js.map`);
    assert.equal(map.status, 200);
    assert.ok(Array.isArray(((await map.json()) as { sources: unknown }).sources));

    const manifest = (await (await fetch(`${url}/rtc-call.json`)).json()) as Record<
      string,
      { src: string; integrity: string }
    >;
    const entry = manifest[name === 'rtc-call' ? 'module' : 'classic']!;
    assert.match(entry.src, new RegExp(`^/${name.replace('.', '\\.')}\\.[0-9a-f]{10}\\.js$`));
    assert.equal(entry.integrity, `sha384-${createHash('sha384').update(body).digest('base64')}`);
    const hashed = await fetch(url + entry.src);
    assert.equal(hashed.status, 200);
    assert.equal(hashed.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(hashed.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(Buffer.from(await hashed.arrayBuffer()), body, 'the hashed copy is the current build');
    const stale = await fetch(`${url}/${name}.0123456789.js`);
    assert.equal(stale.status, 404, 'an old build is not served under its hash');
  }
  // The embed example, with the call server's address made relative to this server.
  const embed = await fetch(`${url}/embed.html`);
  assert.equal(embed.status, 200);
  const page = await embed.text();
  assert.match(page, /<script type="module" src="\/rtc-call\.js"><\/script>/);
  assert.doesNotMatch(page, /calls\.example\.com/);
  for (const path of ['/embed.css', '/embed/cover.svg', '/embed/figure.svg', '/embed/author.svg']) {
    assert.equal((await fetch(url + path)).status, 200, path);
  }
  assert.equal((await fetch(`${url}/rtc-call.js.mapx`)).status, 404);
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
