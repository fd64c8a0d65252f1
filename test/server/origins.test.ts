import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { get as httpGet } from 'node:http';
import { test } from 'node:test';
import WebSocket from 'ws';
import { io as connectClient } from 'socket.io-client';
import { buildApp } from '../../server/app.js';
import { originAllowed } from '../../server/plugins/handshake.js';
import { connect, metric, next, request, startServer } from './helpers.js';

const ALLOWED = 'https://app.example.com';
const EVIL = 'https://evil.example';

/**
 * Resolves with the HTTP status a WebSocket handshake gets (101 when it upgrades) and the body;
 * `query` adds to the URL (`&sid=…` upgrades a long-polling session), `headers` to the request.
 */
function upgrade(
  url: string,
  origin: string,
  { query = '', headers = {} }: { query?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket${query}`, {
      origin,
      headers,
    });
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

/** A long-polling GET with exactly these headers (fetch would not send a Host of our choosing). */
function poll(url: string, query: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(`${url}/socket.io/?EIO=4&transport=polling${query}`, { headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).once('error', reject);
  });
}

test('a disallowed origin is refused at the handshake, over WebSocket and polling alike', async (t) => {
  const url = await startServer(t, { allowedOrigins: [ALLOWED] });

  // A refused upgrade gets 403 (never 101) and the reason.
  const refused = await upgrade(url, EVIL);
  assert.equal(refused.status, 403, 'WebSocket from a foreign page');
  assert.match(refused.body, /evil\.example may not use this signaling server/);
  const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: EVIL } });
  assert.equal(polling.status, 403, 'long-polling from a foreign page');
  assert.match((await polling.json()).message, /evil\.example may not use this signaling server \(ALLOWED_ORIGINS\)/);

  // socket.io-client sees a connect_error and never a session.
  const client = connectClient(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { origin: EVIL },
  });
  t.after(() => client.close());
  await next(client, 'connect_error');
  assert.equal(client.connected, false);
  assert.equal(await metric(url, 'rtc_call_handshakes_refused_total{reason="origin"}'), 3);
});

test('a listed origin, the server own origin and origin-less clients connect', async (t) => {
  const url = await startServer(t, { allowedOrigins: [ALLOWED] });
  assert.equal((await upgrade(url, ALLOWED)).status, 101);
  assert.equal((await upgrade(url, url)).status, 101, 'the demo page served by this very server');
  const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: ALLOWED } });
  assert.equal(polling.status, 200);
  assert.equal(polling.headers.get('access-control-allow-origin'), ALLOWED);
  const allowed = await connect(t, url, { extraHeaders: { origin: ALLOWED } });
  assert.equal((await request(allowed, 'join', { v: 1, room: 'origins' })).ok, true);
  const viaPolling = await connect(t, url, { transports: ['polling'], extraHeaders: { origin: ALLOWED } });
  assert.equal((await request(viaPolling, 'join', { v: 1, room: 'origins' })).ok, true);
  // Programs send no Origin; they could forge any, so refusing them would protect nothing.
  const program = await connect(t, url);
  assert.equal(program.connected, true);
});

test('originAllowed: "*" allows all; lists match exactly (scheme, host and port)', () => {
  assert.equal(originAllowed('*', EVIL, 'calls.example.com'), true);
  assert.equal(originAllowed([ALLOWED], ALLOWED, 'calls.example.com'), true);
  assert.equal(originAllowed([ALLOWED], 'http://app.example.com', 'calls.example.com'), false);
  assert.equal(originAllowed([ALLOWED], 'https://app.example.com:8443', 'calls.example.com'), false);
  assert.equal(originAllowed([ALLOWED], 'http://127.0.0.1:8080', '127.0.0.1:8080'), true, 'own host, by address');
  assert.equal(originAllowed([ALLOWED], 'http://[::1]:8080', '[::1]:8080'), true);
  assert.equal(originAllowed([ALLOWED], 'http://localhost:8080', 'localhost:8080'), true);
  assert.equal(originAllowed([ALLOWED], 'http://127.0.0.1:9090', '127.0.0.1:8080'), false, 'another port');
  assert.equal(
    originAllowed([ALLOWED], 'https://calls.example.com', 'calls.example.com'),
    false,
    'a name in Host proves nothing: list it',
  );
  assert.equal(originAllowed([ALLOWED], 'null', 'calls.example.com'), false, 'sandboxed iframes and file: pages');
  assert.equal(originAllowed([ALLOWED], undefined, 'calls.example.com'), true);
});

test('ALLOWED_ORIGINS=* is logged as a warning when NODE_ENV=production', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'production', ALLOWED_ORIGINS: '*' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      if (/Server listening/.test(output)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  child.kill('SIGTERM');
  await once(child, 'exit');
  const warning = output
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .find((entry) => /ALLOWED_ORIGINS/.test(entry.msg));
  assert.ok(warning, 'a log line names ALLOWED_ORIGINS');
  assert.equal(warning.level, 40, 'at warn level');
});

test('an upgrade request from a refused origin is refused even when its polling handshake was allowed', async (t) => {
  const url = await startServer(t, { allowedOrigins: [ALLOWED] });
  const handshake = await poll(url, '', { origin: ALLOWED });
  assert.equal(handshake.status, 200);
  const { sid } = JSON.parse(handshake.body.slice(1)) as { sid: string };

  const hijack = await upgrade(url, EVIL, { query: `&sid=${sid}` });
  assert.equal(hijack.status, 403, 'the upgrade of an allowed session, from a foreign page');
  assert.match(hijack.body, /evil\.example may not use this signaling server \(ALLOWED_ORIGINS\)/);
  const foreignPoll = await poll(url, `&sid=${sid}`, { origin: EVIL });
  assert.equal(foreignPoll.status, 403, 'a long-polling request of the session, from a foreign page');
  assert.match(JSON.parse(foreignPoll.body).message, /evil\.example may not use/);
  assert.equal(await metric(url, 'rtc_call_handshakes_refused_total{reason="origin"}'), 2);

  // The session itself is untouched: its own page upgrades it.
  assert.equal((await upgrade(url, ALLOWED, { query: `&sid=${sid}` })).status, 101);
});

test('the own-host origin rule does not trust a forged Host header', async (t) => {
  const url = await startServer(t, { allowedOrigins: [ALLOWED] });
  const port = new URL(url).port;
  // What a page of evil.example sends once its name resolves to this server (DNS rebinding):
  // its own name as Origin and as Host.
  const forged = { host: `evil.example:${port}` };
  const refused = await upgrade(url, `http://evil.example:${port}`, { headers: forged });
  assert.equal(refused.status, 403, 'WebSocket');
  assert.match(refused.body, /evil\.example:\d+ may not use this signaling server/);
  assert.equal((await poll(url, '', { origin: `http://evil.example:${port}`, ...forged })).status, 403, 'polling');

  // A page of this server by its address (the demo opened at http://<address>:<port>) still connects.
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
    assert.equal((await upgrade(url, `http://${host}`, { headers: { host } })).status, 101, host);
  }
});

test('1000 refused handshakes are logged in a bounded number of lines, then one line counting the rest', async () => {
  const lines: string[] = [];
  const app = await buildApp({
    allowedOrigins: [ALLOWED],
    logLevel: 'info',
    logStream: { write: (line) => void lines.push(line) },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address && typeof address !== 'string');
  const url = `http://127.0.0.1:${address.port}`;
  try {
    for (let batch = 0; batch < 20; batch += 1) {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: EVIL } });
          await response.arrayBuffer();
          return response.status;
        }),
      );
      assert.ok(statuses.every((status) => status === 403));
    }
    assert.equal(await metric(url, 'rtc_call_handshakes_refused_total{reason="origin"}'), 1000, 'every one counted');
  } finally {
    await app.close(); // the count of what was not logged one by one is logged at the latest here
  }
  const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string; suppressed?: number });
  const oneByOne = entries.filter((entry) => /^handshake refused/.test(entry.msg));
  const summaries = entries.filter((entry) => entry.suppressed !== undefined);
  assert.equal(oneByOne.length, 10, 'ten lines one by one');
  assert.equal(summaries.length, 1, 'then one line for the rest');
  assert.equal(summaries[0]!.suppressed, 990);
  assert.match(summaries[0]!.msg, /suppressed 990 refused handshakes/);
  assert.equal(summaries[0]!.level, 40);
});
