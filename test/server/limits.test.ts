import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogLimiter } from '../../server/lib/rate-limit.js';
import { CANDIDATE, OFFER, RawClient, connect, metric, next, record, request, startServer } from './helpers.js';

test('a burst of trickled candidates passes the rate limit', async (t) => {
  const url = await startServer(t);
  const a = await connect(t, url);
  const b = await connect(t, url);
  await request(a, 'join', { v: 1, room: 'burst' });
  await request(b, 'join', { v: 1, room: 'burst' });
  const received = record(b, 'signal');
  // An offer, then 40 candidates at once (several interfaces × components × STUN/TURN), then the end.
  const answers = await Promise.all([
    request(a, 'signal', { description: OFFER }),
    ...Array.from({ length: 40 }, (_, i) =>
      request(a, 'signal', { candidate: { ...CANDIDATE, candidate: `${CANDIDATE.candidate} ${i}` } }),
    ),
    request(a, 'signal', { candidate: null }),
  ]);
  assert.ok(answers.every((answer) => answer.ok === true));
  const marker = next(b, 'signal');
  await request(a, 'signal', { candidate: null });
  await marker;
  assert.equal(received.length, 43, 'every one relayed, in order');
});

test("a flood is refused with rate-limited, then cut off, while a second client's requests are all answered", async (t) => {
  const url = await startServer(t);
  const [flooder, target, calm, partner] = await Promise.all([1, 2, 3, 4].map(() => connect(t, url)));
  await request(flooder, 'join', { v: 1, room: 'flooded' });
  await request(target, 'join', { v: 1, room: 'flooded' });
  await request(calm, 'join', { v: 1, room: 'calm' });
  const calmJoin = await request(partner, 'join', { v: 1, room: 'calm' });
  const atCalm = record(calm, 'signal');

  const answers: Array<Record<string, any>> = [];
  const cutOff = next(flooder, 'disconnect', 30_000);
  for (let i = 0; i < 2000; i += 1) {
    flooder.emit('signal', { candidate: CANDIDATE }, (answer: Record<string, any>) => answers.push(answer));
  }
  // Meanwhile the other room goes on with its call: 30 round trips, one after the other.
  const roundTrips = (async () => {
    for (let i = 0; i < 30; i += 1)
      assert.deepEqual(await request(partner, 'signal', { candidate: null }), { ok: true });
  })();
  const reason = await cutOff;
  await roundTrips;

  assert.equal(reason, 'io server disconnect', 'the flooder was disconnected by the server');
  const passed = answers.filter((answer) => answer.ok === true).length;
  const limited = answers.filter((answer) => answer.error?.code === 'rate-limited');
  assert.ok(passed >= 59, `a full burst (60, one spent on join) passed first: ${passed}`);
  assert.ok(limited.length >= 1, 'then refused with rate-limited');
  assert.match(limited[0]!.error.message, /wait/);
  assert.ok(answers.length < 2000, 'and cut off long before the flood ended');
  assert.equal(
    answers.findIndex((answer) => !answer.ok),
    passed,
    'every answer after the first refusal is a refusal too',
  );
  assert.equal(atCalm.length, 30, 'the calm room got every signal');
  assert.deepEqual(atCalm[0], { from: calmJoin.self, candidate: null });
  assert.equal(await metric(url, 'rtc_call_flood_disconnects_total'), 1);
  assert.equal(await metric(url, 'rtc_call_errors_total{code="rate-limited"}'), limited.length);
});

test("a flooding socket is logged with the client address a trusted proxy forwarded, not the proxy's", async (t) => {
  const lines: string[] = [];
  const url = await startServer(t, {
    logLevel: 'warn',
    logStream: { write: (line) => void lines.push(line) },
    trustProxy: ['loopback'],
  });
  // nginx on the same host: the socket comes from 127.0.0.1, the client is 203.0.113.7.
  const flooder = await connect(t, url, { extraHeaders: { 'x-forwarded-for': '203.0.113.7' } });
  await request(flooder, 'join', { v: 1, room: 'flooded-behind-proxy' });
  const cutOff = next(flooder, 'disconnect', 30_000);
  for (let i = 0; i < 2000; i += 1) flooder.emit('signal', { candidate: CANDIDATE }, () => {});
  await cutOff;
  const logged = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'disconnected a flooding socket');
  assert.ok(logged, 'the flood is logged');
  assert.equal(logged.address, '203.0.113.7');
});

test('unknown events are ignored (never answered) and counted', async (t) => {
  const url = await startServer(t);
  const a = await connect(t, url);
  let answered = false;
  a.emit('bogus', { x: 1 }, () => (answered = true));
  a.emit('hello');
  const raw = await RawClient.open(t, url);
  raw.ws.send('42[7,{}]'); // a number as event name: socket.io lets it through
  await request(a, 'join', { v: 1, room: 'after-unknown' }); // answered in order: the others were seen first
  await raw.emit('leave', '{}');
  assert.equal(answered, false);
  assert.equal(await metric(url, 'rtc_call_unknown_events_total'), 3);
});

test('a message over maxHttpBufferSize (64 KiB) closes that socket only', async (t) => {
  const url = await startServer(t);
  const a = await connect(t, url);
  const closed = next(a, 'disconnect');
  a.emit('signal', { description: { type: 'offer', sdp: `v=0${'x'.repeat(64 * 1024)}` } });
  assert.equal(await closed, 'transport close');
  const b = await connect(t, url);
  assert.equal((await request(b, 'join', { v: 1, room: 'still-up' })).ok, true);
});

test('a log limiter reports how many lines it held back once its interval ends, then lets lines through again', async () => {
  let report: (suppressed: number) => void = () => {};
  const reported = new Promise<number>((resolve) => (report = resolve));
  const limiter = new LogLimiter({ lines: 2, intervalMs: 50 }, (suppressed) => report(suppressed));
  assert.deepEqual(
    Array.from({ length: 5 }, () => limiter.allow()),
    [true, true, false, false, false],
  );
  // The limiter's timer is unref'd (it must not keep a server process alive): hold the loop open.
  const keepAlive = setInterval(() => {}, 1000);
  assert.equal(await reported, 3, 'the three held back, counted, without waiting for a fourth event');
  clearInterval(keepAlive);
  assert.equal(limiter.allow(), true, 'a new interval');
  limiter.flush();
});
