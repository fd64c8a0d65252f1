import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import WebSocket from 'ws';
import { io as connectClient } from 'socket.io-client';
import { originAllowed } from '../../server/plugins/signaling.js';
import { connect, metric, next, request, startServer } from './helpers.js';

const ALLOWED = 'https://app.example.com';
const EVIL = 'https://evil.example';

/** Resolves with the HTTP status a WebSocket handshake gets (101 when it upgrades) and the body. */
function upgrade(url: string, origin: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, { origin });
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

test('a disallowed origin is refused at the handshake, over WebSocket and polling alike', async (t) => {
  const url = await startServer(t, { allowedOrigins: [ALLOWED] });

  // engine.io answers a refused upgrade with 400 (never 101) and the reason.
  const refused = await upgrade(url, EVIL);
  assert.equal(refused.status, 400, 'WebSocket from a foreign page');
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
  assert.equal(originAllowed([ALLOWED], 'https://calls.example.com', 'calls.example.com'), true);
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
