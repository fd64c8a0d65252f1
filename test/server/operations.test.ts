import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { CANDIDATE, OFFER, connect, metric, next, request, startApp, startServer } from './helpers.js';

test('GET /metrics: sockets, rooms, joins by result, signals relayed, errors by code (Prometheus text)', async (t) => {
  const url = await startServer(t);
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  for (const name of [
    'rtc_call_sockets',
    'rtc_call_rooms',
    'rtc_call_joins_total',
    'rtc_call_signals_relayed_total',
    'rtc_call_errors_total',
  ]) {
    assert.match(text, new RegExp(`^# HELP ${name} .+\\n# TYPE ${name} (gauge|counter)$`, 'm'), name);
  }
  assert.match(text, /^rtc_call_joins_total\{result="room-full"\} 0$/m, 'every result exported from the start');

  const [a, b, c] = await Promise.all([1, 2, 3].map(() => connect(t, url)));
  await request(a, 'join', { v: 1, room: 'm1' });
  await request(b, 'join', { v: 1, room: 'm1' });
  await request(c, 'join', { v: 1, room: 'm1' }); // room-full
  await request(c, 'join', { v: 1, room: 'bad room' }); // invalid-room
  await request(c, 'signal', { description: OFFER }); // not-joined
  const relayed = next(b, 'signal');
  await request(a, 'signal', { candidate: CANDIDATE });
  await relayed;

  assert.equal(await metric(url, 'rtc_call_sockets'), 3);
  assert.equal(await metric(url, 'rtc_call_rooms'), 1);
  assert.equal(await metric(url, 'rtc_call_joins_total{result="ok"}'), 2);
  assert.equal(await metric(url, 'rtc_call_joins_total{result="room-full"}'), 1);
  assert.equal(await metric(url, 'rtc_call_joins_total{result="invalid-room"}'), 1);
  assert.equal(await metric(url, 'rtc_call_signals_relayed_total'), 1);
  assert.equal(await metric(url, 'rtc_call_errors_total{code="room-full"}'), 1);
  assert.equal(await metric(url, 'rtc_call_errors_total{code="not-joined"}'), 1);
  assert.equal(await metric(url, 'rtc_call_errors_total{code="invalid-room"}'), 1);
  assert.doesNotMatch(await (await fetch(`${url}/metrics`)).text(), /m1/, 'no room names');
});

test('close() tells every client server-shutdown, then drops the transport ("transport close": socket.io-client reconnects)', async (t) => {
  const { url, app } = await startApp(t);
  const a = await connect(t, url);
  const polling = await connect(t, url, { transports: ['polling'] });
  await request(a, 'join', { v: 1, room: 'shutdown' });
  await request(polling, 'join', { v: 1, room: 'shutdown' });
  const order: string[] = [];
  for (const [name, socket] of [
    ['a', a],
    ['polling', polling],
  ] as const) {
    socket.on('server-shutdown', (payload: unknown) =>
      order.push(`${name}: server-shutdown ${JSON.stringify(payload)}`),
    );
    socket.on('disconnect', (reason: string) => order.push(`${name}: disconnect (${reason})`));
  }
  const bothGone = Promise.all([next(a, 'disconnect'), next(polling, 'disconnect')]);
  await app.close();
  await bothGone;
  assert.deepEqual(
    order.filter((line) => line.startsWith('a:')),
    ['a: server-shutdown {}', 'a: disconnect (transport close)'],
  );
  assert.deepEqual(
    order.filter((line) => line.startsWith('polling:')),
    ['polling: server-shutdown {}', 'polling: disconnect (transport close)'],
  );
});

test('SIGTERM: clients hear server-shutdown and the process exits 0 within the shutdown deadline', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  const a = await connect(t, url);
  await request(a, 'join', { v: 1, room: 'sigterm' });
  const told = next(a, 'server-shutdown');
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  assert.deepEqual(await told, {});
  assert.deepEqual(await exited, [0, null]);
  assert.match(output, /shutting down/);
});
