// Issue 13 item 9: deploy/nginx.conf and deploy/nginx-cluster.conf, as shipped (only ports,
// upstreams and certificate paths substituted), in Debian's nginx in front of a real server. The
// signaling path is limited per client address, and /metrics is not published. A second client
// address is 127.0.0.2 (all of 127.0.0.0/8 is this machine's loopback): to nginx, another machine.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { startNginx as startCluster } from '../support/nginx-cluster.js';
import { startNginx } from '../support/nginx.js';
import { startApp } from './helpers.js';

/** The shipped limits (deploy/nginx*.conf): open signaling sockets, and handshakes in one burst. */
const MAX_OPEN = 30;
const BURST = 50;
const OTHER_ADDRESS = '127.0.0.2';
const POLLING = '/socket.io/?EIO=4&transport=polling';

/** Where a test's nginx listens, and how to reach it (its certificate, for the TLS one). */
interface Proxy {
  base: string;
  ca?: string;
}

/** One GET through the proxy from `localAddress`; resolves with the status and the body. */
function get(proxy: Proxy, path: string, localAddress = '127.0.0.1'): Promise<{ status: number; body: string }> {
  const { protocol, hostname, port } = new URL(proxy.base);
  const send = protocol === 'https:' ? httpsRequest : httpRequest;
  // `path` goes out as written (a URL would resolve `//metrics` and `/./metrics` first).
  const options = { hostname, port, path, ca: proxy.ca, localAddress, agent: false };
  return new Promise((resolve, reject) => {
    send(options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

/**
 * Opens a socket.io WebSocket through the proxy (engine.io and socket.io handshakes done, pings
 * answered, closed when the test ends); resolves with it, or with the HTTP status of a refusal.
 */
function openSocket(t: TestContext, proxy: Proxy, localAddress = '127.0.0.1'): Promise<WebSocket | number> {
  const url = `${proxy.base.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(url, { ca: proxy.ca, localAddress });
  t.after(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_request, response) => resolve(response.statusCode!));
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      const packet = data.toString();
      if (packet.startsWith('0'))
        ws.send('40'); // engine.io open → join the socket.io namespace
      else if (packet.startsWith('40')) resolve(ws);
      else if (packet === '2') ws.send('3'); // ping → pong
    });
  });
}

async function expectConnectionLimit(t: TestContext, proxy: Proxy): Promise<void> {
  for (let i = 0; i < MAX_OPEN; i++) {
    assert.ok((await openSocket(t, proxy)) instanceof WebSocket, `socket ${i + 1} of ${MAX_OPEN} opens`);
  }
  const extra = await openSocket(t, proxy);
  assert.equal(extra instanceof WebSocket ? 'opened' : extra, 429, `socket ${MAX_OPEN + 1} from the same address`);
  // Another address, and other paths of the same address, are not affected.
  assert.ok((await openSocket(t, proxy, OTHER_ADDRESS)) instanceof WebSocket, 'another address connects');
  assert.equal((await get(proxy, '/healthz')).status, 200);
  assert.equal((await get(proxy, '/rtc-call.js')).status, 200);
}

async function expectRateLimit(proxy: Proxy): Promise<void> {
  // One handshake after another (never two open at once, so only the rate limit applies), until
  // nginx refuses one. The first BURST + 1 always pass, however fast or slow this machine is.
  let passed = 0;
  let refused: number | null = null;
  while (refused === null && passed < 1000) {
    const { status, body } = await get(proxy, POLLING);
    if (status === 200) {
      assert.match(body, /^0\{"sid":/, 'an engine.io handshake');
      passed++;
    } else refused = status;
  }
  assert.equal(refused, 429, `a burst of handshakes is refused with 429 (after ${passed})`);
  assert.ok(passed >= BURST + 1, `the first ${BURST + 1} pass (${passed} did)`);
  assert.equal((await get(proxy, POLLING, OTHER_ADDRESS)).status, 200, 'another address still connects');
  assert.equal((await get(proxy, '/healthz')).status, 200, 'only the signaling path is limited');
}

/** Paths that reach /metrics on a careless proxy (nginx normalises them before matching locations). */
const METRICS_PATHS = ['/metrics', '/metrics?format=text', '//metrics', '/%6Detrics', '/./metrics', '/x/../metrics'];

async function expectMetricsRefused(proxy: Proxy, localAddress: string, status: number): Promise<void> {
  for (const path of METRICS_PATHS) {
    const response = await get(proxy, path, localAddress);
    assert.equal(response.status, status, `${path} from ${localAddress}`);
    assert.doesNotMatch(response.body, /rtc_call_/, `${path}: no counts`);
  }
}

async function nginxSite(t: TestContext): Promise<Proxy> {
  const { url } = await startApp(t);
  const nginx = await startNginx(await readFile('deploy/nginx.conf', 'utf8'), Number(new URL(url).port));
  t.after(() => nginx.stop());
  return { base: nginx.https, ca: nginx.cert };
}

async function nginxCluster(t: TestContext): Promise<{ proxy: Proxy; node: string }> {
  const { url } = await startApp(t);
  const nginx = await startCluster(t, [url.replace('http://', '')]);
  return { proxy: { base: nginx.url }, node: url };
}

test('deploy/nginx.conf limits signaling connections per address (issue 13 item 9): the 31st open socket gets 429, other addresses and paths pass', async (t) => {
  await expectConnectionLimit(t, await nginxSite(t));
});

test('deploy/nginx.conf limits the signaling request rate per address (issue 13 item 9): a burst past 50 handshakes gets 429', async (t) => {
  await expectRateLimit(await nginxSite(t));
});

test('deploy/nginx.conf serves /metrics to the machine itself only (issue 13 item 9)', async (t) => {
  const proxy = await nginxSite(t);
  const local = await get(proxy, '/metrics');
  assert.equal(local.status, 200);
  assert.match(local.body, /rtc_call_sockets/);
  await expectMetricsRefused(proxy, OTHER_ADDRESS, 403);
});

test('deploy/nginx-cluster.conf limits signaling connections per address (issue 13 item 9): the 31st open socket gets 429, other addresses and paths pass', async (t) => {
  await expectConnectionLimit(t, (await nginxCluster(t)).proxy);
});

test('deploy/nginx-cluster.conf limits the signaling request rate per address (issue 13 item 9): a burst past 50 handshakes gets 429', async (t) => {
  await expectRateLimit((await nginxCluster(t)).proxy);
});

test('deploy/nginx-cluster.conf does not publish /metrics (issue 13 item 9): 404 through the balancer, from any address', async (t) => {
  const { proxy, node } = await nginxCluster(t);
  await expectMetricsRefused(proxy, '127.0.0.1', 404);
  await expectMetricsRefused(proxy, OTHER_ADDRESS, 404);
  assert.equal((await get(proxy, '/healthz')).status, 200, 'the rest passes');
  assert.match(await (await fetch(`${node}/metrics`)).text(), /rtc_call_sockets/, 'each node serves its own');
});
