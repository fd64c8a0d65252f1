import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { DEFAULT_LIMITS } from '../../server/config.js';
import { connect, metric, next, request, startApp } from './helpers.js';

/** The next text frame the WebSocket receives. */
function frame(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(String(data)));
    ws.once('error', reject);
  });
}

/**
 * A client that joins `room`, then stops reading its socket (the TCP receive window fills) while
 * it goes on sending pongs on a timer, blind: the heartbeat alone keeps it connected.
 */
async function slowReader(t: TestContext, url: string, room: string, pongEveryMs: number): Promise<{ sid: string }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  t.after(() => ws.terminate());
  assert.match(await frame(ws), /^0\{/, 'engine.io open packet');
  const connected = frame(ws);
  ws.send('40');
  const { sid } = JSON.parse((await connected).slice(2)) as { sid: string };
  const joined = frame(ws);
  ws.send(`420${JSON.stringify(['join', { v: 1, room }])}`);
  assert.match(await joined, /^430\[\{"ok":true/);
  ws.pause(); // no more reads: what the server sends piles up in the kernel, then in the server
  const pong = setInterval(() => ws.send('3'), pongEveryMs);
  t.after(() => clearInterval(pong));
  return { sid };
}

/** A description as big as the protocol lets through (SDP ≤ 32 KiB). */
const BIG_OFFER = { type: 'offer', sdp: `v=0\r\n${'a=x-padding:0123456789abcdef\r\n'.repeat(1000)}` };

test('a slow reader is disconnected once its buffer passes the bound, and other rooms are unaffected', async (t) => {
  const lines: string[] = [];
  const { url, app } = await startApp(t, {
    logLevel: 'warn',
    logStream: { write: (line) => void lines.push(line) },
    // A token bucket wide enough that the partner pushes megabytes in a moment (the default lets
    // through 10 events of up to 32 KiB a second: the same growth, only slower). The heartbeat
    // keeps its defaults: the slow reader's blind pongs keep it alive however long this takes.
    limits: { burst: 100_000, perSecond: 100_000 },
  });
  const bound = DEFAULT_LIMITS.maxSocketBufferBytes;

  const partner = await connect(t, url);
  await request(partner, 'join', { v: 1, room: 'stalled' });
  const { sid } = await slowReader(t, url, 'stalled', 1000);
  const [calm, calmPeer] = [await connect(t, url), await connect(t, url)];
  await request(calm, 'join', { v: 1, room: 'calm' });
  await request(calmPeer, 'join', { v: 1, room: 'calm' });

  const serverSide = app.io.of('/').sockets.get(sid);
  assert.ok(serverSide, 'the slow reader is connected');
  let cutReason: string | null = null;
  serverSide.once('disconnect', (reason) => (cutReason = reason));

  // The partner floods, the calm room goes on with its call one round trip per message. Far more
  // than the bound and every kernel buffer on the way could hold (tcp_wmem's 4 MiB at most).
  const limit = 32 * 1024 * 1024;
  let pushed = 0;
  let calmRelayed = 0;
  while (cutReason === null && pushed < limit) {
    assert.deepEqual(await request(partner, 'signal', { description: BIG_OFFER }), { ok: true });
    pushed += BIG_OFFER.sdp.length;
    const heard = next(calmPeer, 'signal');
    assert.deepEqual(await request(calm, 'signal', { candidate: null }), { ok: true });
    await heard;
    calmRelayed += 1;
  }
  assert.equal(cutReason, 'forced close', `the slow reader was cut by the server (${pushed} bytes pushed)`);
  assert.ok(calmRelayed > 0);

  const cut = lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((entry) => entry.reason === 'send buffer full');
  assert.ok(cut, 'a log line gives the reason');
  assert.equal(cut.level, 40, 'at warn level');
  assert.equal(cut.socket, sid);
  assert.equal(cut.maxBytes, bound);
  assert.ok(
    (cut.bufferedBytes as number) <= bound + BIG_OFFER.sdp.length + 1024,
    `held at most the bound and the one message that passed it: ${String(cut.bufferedBytes)}`,
  );
  assert.equal(await metric(url, 'rtc_call_slow_reader_disconnects_total'), 1);

  // Afterwards both calls' other sides are still there and the calm room still relays.
  assert.equal(partner.connected, true, 'the partner (who reads) is not cut');
  assert.deepEqual(await request(partner, 'signal', { candidate: null }), { ok: true });
  const heard = next(calmPeer, 'signal');
  assert.deepEqual(await request(calm, 'signal', { candidate: null }), { ok: true });
  assert.deepEqual((await heard).candidate, null);
});

test('a slow reader on long-polling is disconnected once its buffer passes the bound', async (t) => {
  const lines: string[] = [];
  const { url, app } = await startApp(t, {
    logLevel: 'warn',
    logStream: { write: (line) => void lines.push(line) },
    limits: { burst: 100_000, perSecond: 100_000 },
  });
  const engine = `${url}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(engine)).text();
  const session = `${engine}&sid=${(JSON.parse(open.slice(1)) as { sid: string }).sid}`;
  const post = async (body: string): Promise<void> => {
    assert.equal((await fetch(session, { method: 'POST', body })).status, 200);
  };
  await post('40');
  const { sid } = JSON.parse((await (await fetch(session)).text()).slice(2)) as { sid: string };
  await post(`420${JSON.stringify(['join', { v: 1, room: 'stalled' }])}`);
  assert.match(await (await fetch(session)).text(), /^430\[\{"ok":true/);
  // From now on it never polls (nothing it is sent leaves the server) but sends pongs.
  const pong = setInterval(() => void fetch(session, { method: 'POST', body: '3' }).catch(() => {}), 1000);
  t.after(() => clearInterval(pong));

  const partner = await connect(t, url);
  await request(partner, 'join', { v: 1, room: 'stalled' });
  const serverSide = app.io.of('/').sockets.get(sid);
  assert.ok(serverSide);
  let cutReason: string | null = null;
  serverSide.once('disconnect', (reason) => (cutReason = reason));
  let pushed = 0;
  while (cutReason === null && pushed < 8 * DEFAULT_LIMITS.maxSocketBufferBytes) {
    assert.deepEqual(await request(partner, 'signal', { description: BIG_OFFER }), { ok: true });
    pushed += BIG_OFFER.sdp.length;
  }
  assert.equal(cutReason, 'forced close', `cut by the server (${pushed} bytes pushed)`);
  const cut = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.socket === sid);
  assert.equal(cut?.reason, 'send buffer full');
  assert.ok(pushed <= DEFAULT_LIMITS.maxSocketBufferBytes + 2 * BIG_OFFER.sdp.length, `cut at the bound: ${pushed}`);
});
