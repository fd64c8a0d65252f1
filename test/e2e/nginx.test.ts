// A call through deploy/nginx.conf: Debian's nginx terminates TLS (a self-signed certificate) in
// front of the server and upgrades the socket.io WebSockets.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { test } from 'node:test';
import { startApp } from '../server/helpers.js';
import { startNginx } from '../support/nginx.js';
import { exchangeChat, expectCall, joinThroughUi } from './embed-support.js';
import { launchBrowser, person } from './support.js';

/** GET through nginx from Node, trusting its certificate; resolves with status, headers and size. */
function get(url: string, cert: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; bytes: number }>((resolve, reject) => {
    request(url, { ca: cert, headers }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, bytes }));
    })
      .on('error', reject)
      .end();
  });
}

test('a call through nginx (deploy/nginx.conf) terminating TLS with a self-signed certificate', async (t) => {
  // Pages are let in by the same-host rule only: nginx must forward Host with its port.
  const { app, url } = await startApp(t, { allowedOrigins: ['https://blog.example.com'] });
  const nginx = await startNginx(await readFile('deploy/nginx.conf', 'utf8'), Number(new URL(url).port));
  t.after(() => nginx.stop());

  const script = await get(`${nginx.https}/rtc-call.js`, nginx.cert, { 'accept-encoding': 'gzip' });
  assert.equal(script.status, 200);
  assert.equal(script.headers['content-encoding'], 'gzip', 'nginx compresses the script');
  assert.equal(script.headers['access-control-allow-origin'], '*', "the server's CORS header passes through");
  assert.ok(script.headers['strict-transport-security']);
  assert.equal(script.headers['cross-origin-resource-policy'], 'cross-origin');
  assert.equal(script.headers['x-content-type-options'], 'nosniff');
  // The server's security headers reach the browser through the proxy (issue 13 item 8).
  const page = await get(`${nginx.https}/embed.html`, nginx.cert);
  assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  const plain = await fetch(`${nginx.http}/embed.html`, { redirect: 'manual' });
  assert.equal(plain.status, 301);
  assert.match(plain.headers.get('location')!, /^https:\/\/127\.0\.0\.1\/embed\.html$/);

  const browser = await launchBrowser(t, ['--ignore-certificate-errors']);
  const contexts = await Promise.all([person(browser), person(browser)]);
  const violations: string[] = [];
  for (const context of contexts) {
    context.setDefaultTimeout(20_000);
    context.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
    });
  }
  const [a, b] = await Promise.all(contexts.map((context) => context.newPage()));
  await Promise.all([a!.goto(`${nginx.https}/embed.html`), b!.goto(`${nginx.https}/embed.html`)]);
  await Promise.all([joinThroughUi(a!.mainFrame()), joinThroughUi(b!.mainFrame())]);
  await expectCall(a!.mainFrame(), b!.mainFrame());
  await exchangeChat(a!.mainFrame(), b!.mainFrame());
  assert.deepEqual(violations, [], 'the page works under its CSP behind nginx (wss: of its own host)');

  // Both sockets came through nginx as WebSockets, from pages of the proxy's own origin.
  const origins = [...app.io.of('/').sockets.values()].map((socket) => socket.handshake.headers.origin);
  assert.deepEqual(origins, [nginx.https, nginx.https]);
  // nginx logs an upgraded request when its tunnel closes.
  await Promise.all(contexts.map((context) => context.close()));
  const upgrades = async () =>
    (await nginx.accessLog())
      .split('\n')
      .filter((line) => /"GET \/socket\.io\/\?EIO=4&transport=websocket[^"]* HTTP\/1\.1" 101 /.test(line)).length;
  const deadline = Date.now() + 10_000;
  while ((await upgrades()) < 2) {
    assert.ok(Date.now() < deadline, `two WebSocket upgrades in nginx's access log:\n${await nginx.accessLog()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
