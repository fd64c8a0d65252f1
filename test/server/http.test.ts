import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile, readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { buildApp } from '../../server/app.js';
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

test('serves the chunks the entry imports (CORS open, immutable by content hash) and nothing else under /chunks/', async (t) => {
  const url = await startServer(t);
  const chunks = (await readdir('dist/chunks')).filter((name) => name.endsWith('.js'));
  assert.ok(chunks.length >= 4, `the build wrote the core and the lazy chunks: ${chunks.join(', ')}`);
  for (const name of chunks) {
    const chunk = await fetch(`${url}/chunks/${name}`, { headers: { origin: 'https://blog.example.com' } });
    assert.equal(chunk.status, 200, name);
    assert.equal(chunk.headers.get('content-type'), 'text/javascript; charset=utf-8', name);
    assert.equal(chunk.headers.get('access-control-allow-origin'), '*', name);
    assert.equal(chunk.headers.get('cross-origin-resource-policy'), 'cross-origin', name);
    assert.equal(chunk.headers.get('x-content-type-options'), 'nosniff', name);
    assert.equal(chunk.headers.get('cache-control'), 'public, max-age=31536000, immutable', name);
    assert.deepEqual(Buffer.from(await chunk.arrayBuffer()), await readFile(`dist/chunks/${name}`), name);
    const map = await fetch(`${url}/chunks/${name}.map`);
    assert.equal(map.status, 200, `${name}.map`);
    assert.ok(Array.isArray(((await map.json()) as { sources: unknown }).sources));
  }
  // The module entry (both its names) and the classic loader name what is served.
  const manifest = (await (await fetch(`${url}/rtc-call.json`)).json()) as Record<string, { src: string }>;
  const entry = await (await fetch(url + manifest.module!.src)).text();
  for (const [, path] of entry.matchAll(/from"\.\/(chunks\/[^"]+)"/g)) {
    assert.equal((await fetch(`${url}/${path}`)).status, 200, path);
  }
  const loader = await (await fetch(url + manifest.classic!.src)).text();
  assert.ok(loader.includes(`"${manifest.module!.src.slice(1)}"`), 'the pinned loader imports the pinned entry');
  const [name] = chunks as [string];
  for (const path of [
    name.replace(/-[0-9a-f]{10}\.js$/, '-0123456789.js'), // an older build
    'nothing-0123456789.js',
    'core.js',
    name.replace(/\.js$/, '.mjs'),
    `..%2F${name}`,
    '..%2F..%2Fpackage.json',
  ]) {
    const response = await fetch(`${url}/chunks/${path}`);
    assert.equal(response.status, 404, path);
    assert.equal(response.headers.get('access-control-allow-origin'), '*', path);
  }
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

/** A Content-Security-Policy header as directive → sources. */
function directives(header: string | null): Record<string, string[]> {
  assert.ok(header, 'a Content-Security-Policy header');
  return Object.fromEntries(
    header
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

const PAGES = ['/', '/?room=office-hours', '/embed.html'];
const PAGE_FILES = [
  '/demo.js',
  '/demo.css',
  '/embed.css',
  '/embed/cover.svg',
  '/embed/figure.svg',
  '/embed/author.svg',
];

test('security headers (issue 13 item 8): the demo and embed pages send a CSP of their own resources, nosniff, Referrer-Policy no-referrer and frame-ancestors of their own origin only', async (t) => {
  const url = await startServer(t);
  for (const path of [...PAGES, ...PAGE_FILES, '/nope', '/healthz']) {
    const response = await fetch(url + path);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
  }
  for (const path of PAGES) {
    const response = await fetch(url + path);
    assert.equal(response.status, 200, path);
    const policy = directives(response.headers.get('content-security-policy'));
    assert.deepEqual(policy['default-src'], ["'self'"], path);
    for (const name of ['script-src', 'style-src', 'img-src', 'connect-src']) {
      assert.deepEqual(policy[name], ["'self'"], `${path} ${name}: this server only, nothing inline, no eval`);
    }
    assert.deepEqual(policy['object-src'], ["'none'"], path);
    assert.deepEqual(policy['base-uri'], ["'none'"], path);
    assert.deepEqual(
      policy['frame-ancestors'],
      ["'self'"],
      `${path}: with ALLOWED_ORIGINS=* only its own pages frame it`,
    );
    assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN', path);
    assert.equal(response.headers.get('cross-origin-resource-policy'), 'same-origin', path);
  }
});

test('security headers (issue 13 item 8): the origins of ALLOWED_ORIGINS may frame the pages (the documented iframe embed)', async (t) => {
  const url = await startServer(t, { allowedOrigins: ['https://blog.example.com', 'http://localhost:8000'] });
  for (const path of PAGES) {
    const response = await fetch(url + path);
    const policy = directives(response.headers.get('content-security-policy'));
    assert.deepEqual(policy['frame-ancestors'], ["'self'", 'https://blog.example.com', 'http://localhost:8000'], path);
    // X-Frame-Options cannot name other sites; browsers that know frame-ancestors ignore it anyway.
    assert.equal(response.headers.get('x-frame-options'), null, path);
  }
});

test('security headers (issue 13 item 8): the drop-in scripts stay loadable from any origin (nosniff, Cross-Origin-Resource-Policy cross-origin, CORS *)', async (t) => {
  const url = await startServer(t);
  const manifest = (await (await fetch(`${url}/rtc-call.json`)).json()) as Record<string, { src: string }>;
  const scripts = ['/rtc-call.js', '/rtc-call.iife.js', manifest.module!.src, manifest.classic!.src];
  for (const path of [...scripts, '/rtc-call.js.map', '/rtc-call.iife.js.map', '/rtc-call.json']) {
    const response = await fetch(url + path, { headers: { origin: 'https://blog.example.com' } });
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(response.headers.get('cross-origin-resource-policy'), 'cross-origin', path);
    assert.equal(response.headers.get('access-control-allow-origin'), '*', path);
    if (scripts.includes(path)) {
      // nosniff makes the browser refuse a script whose type is not JavaScript: it must be.
      assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8', path);
      const again = await fetch(url + path, { headers: { 'if-none-match': response.headers.get('etag')! } });
      assert.equal(again.status, 304, path);
      assert.equal(again.headers.get('cross-origin-resource-policy'), 'cross-origin', `${path} revalidated`);
      assert.equal(again.headers.get('access-control-allow-origin'), '*', `${path} revalidated`);
    }
  }
});

test('security headers (issue 13 item 8): an allowed origin that would break out of the frame-ancestors directive is refused at start', async () => {
  await assert.rejects(
    buildApp({ logLevel: false, allowedOrigins: ["https://blog.example.com; script-src 'unsafe-inline'"] }),
    /allowedOrigins: "https:\/\/blog\.example\.com; script-src 'unsafe-inline'" is not an origin like https:\/\/example\.com/,
  );
});
