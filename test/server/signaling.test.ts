import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { CANDIDATE, RawClient, OFFER, connect, next, record, request, startServer } from './helpers.js';

test('two peers join a room, learn of each other, and get opposite politeness', async (t) => {
  const url = await startServer(t);
  const a = await connect(t, url);
  const b = await connect(t, url);
  const first = await request(a, 'join', { v: 1, room: 'r1' });
  assert.equal(first.ok, true);
  assert.deepEqual(first.peers, []);
  assert.match(first.session, /^[A-Za-z0-9_-]{54}$/, 'a signed session: 24 random bytes and a 16-byte HMAC');
  assert.notEqual(first.self, a.id, 'peer ids are never socket ids');

  const peerJoin = next(a, 'peer-join');
  const second = await request(b, 'join', { v: 1, room: 'r1' });
  assert.equal(second.ok, true);
  assert.deepEqual(second.peers, [first.self]);
  const joined = await peerJoin;
  assert.equal(joined.peer, second.self);
  assert.equal(joined.resumed, false);
  assert.notEqual(joined.polite, second.polite, 'exactly one side is polite');
  assert.equal(second.polite, second.self < first.self, 'the lower id is polite');
});

test('a third joiner is refused with room-full', async (t) => {
  const url = await startServer(t);
  const [a, b, c] = [await connect(t, url), await connect(t, url), await connect(t, url)];
  assert.equal((await request(a, 'join', { v: 1, room: 'full' })).ok, true);
  assert.equal((await request(b, 'join', { v: 1, room: 'full' })).ok, true);
  const third = await request(c, 'join', { v: 1, room: 'full' });
  assert.equal(third.ok, false);
  assert.equal(third.error.code, 'room-full');
  assert.match(third.error.message, /two people/);
  // A seat freed by leave can be taken.
  assert.deepEqual(await request(b, 'leave', {}), { ok: true });
  assert.equal((await request(c, 'join', { v: 1, room: 'full' })).ok, true);
});

test('signals reach only the other member of the same room, rebuilt by the server', async (t) => {
  const url = await startServer(t);
  const [a1, a2, b1, b2] = await Promise.all([1, 2, 3, 4].map(() => connect(t, url)));
  const ja1 = await request(a1, 'join', { v: 1, room: 'room-a' });
  await request(a2, 'join', { v: 1, room: 'room-a' });
  await request(b1, 'join', { v: 1, room: 'room-b' });
  const jb2 = await request(b2, 'join', { v: 1, room: 'room-b' });
  const seenA1 = record(a1, 'signal');
  const seenB1 = record(b1, 'signal');
  const seenB2 = record(b2, 'signal');

  const atA2 = next(a2, 'signal');
  assert.deepEqual(await request(a1, 'signal', { description: OFFER }), { ok: true });
  assert.deepEqual(await atA2, { from: ja1.self, description: OFFER });
  const candidateAtA2 = next(a2, 'signal');
  assert.deepEqual(await request(a1, 'signal', { candidate: CANDIDATE }), { ok: true });
  assert.deepEqual(await candidateAtA2, { from: ja1.self, candidate: CANDIDATE });

  // A marker sent in room B afterwards arrives first: nothing from room A crossed over.
  const marker = next(b1, 'signal');
  await request(b2, 'signal', { candidate: null });
  assert.deepEqual(await marker, { from: jb2.self, candidate: null });
  assert.deepEqual(seenB1, [{ from: jb2.self, candidate: null }]);
  assert.deepEqual(seenB2, [], 'a sender never hears its own signal');
  assert.deepEqual(seenA1, []);
});

test('a signal before join is refused with not-joined', async (t) => {
  const url = await startServer(t);
  const a = await connect(t, url);
  const answer = await request(a, 'signal', { description: OFFER });
  assert.equal(answer.error.code, 'not-joined');
});

test('leave tells the other peer at once', async (t) => {
  const url = await startServer(t);
  const a = await connect(t, url);
  const b = await connect(t, url);
  await request(a, 'join', { v: 1, room: 'bye' });
  const jb = await request(b, 'join', { v: 1, room: 'bye' });
  const left = next(a, 'peer-leave');
  await request(b, 'leave', {});
  assert.deepEqual(await left, { peer: jb.self, reason: 'left' });
});

const MALFORMED: Array<[string, unknown, string?]> = [
  ['join', undefined],
  ['join', null],
  ['join', 'room'],
  ['join', 42],
  ['join', []],
  ['join', {}],
  ['join', { room: 'x' }],
  ['join', { v: '1', room: 'x' }],
  ['join', { v: 2, room: 'x' }, 'unsupported-version'],
  ['join', { v: 1 }],
  ['join', { v: 1, room: 5 }],
  ['join', { v: 1, room: 'has space' }, 'invalid-room'],
  ['join', { v: 1, room: 'x'.repeat(65) }, 'invalid-room'],
  ['join', { v: 1, room: 'x', extra: true }],
  ['join', { v: 1, room: 'x', session: 'short' }],
  ['join', { v: 1, room: 'x', resume: 'yes' }],
  ['join', { v: 1, room: 'x', token: 'x'.repeat(50_000) }],
  ['signal', {}],
  ['signal', { description: OFFER, candidate: CANDIDATE }],
  ['signal', { description: { type: 'offer' } }],
  ['signal', { description: { type: 'bogus', sdp: OFFER.sdp } }],
  ['signal', { description: { type: 'offer', sdp: 'not sdp' } }],
  ['signal', { description: { type: 'offer', sdp: 'v=0' + 'x'.repeat(40_000) } }],
  ['signal', { candidate: { ...CANDIDATE, candidate: 'x'.repeat(2000) } }],
  ['signal', { candidate: { ...CANDIDATE, sdpMLineIndex: -1 } }],
  ['signal', { candidate: { ...CANDIDATE, sdpMLineIndex: 1.5 } }],
  ['signal', { candidate: 'candidate:1' }],
  ['signal', { candidate: { ...CANDIDATE, evil: 1 } }],
  ['ice-servers', 'x'],
  ['ice-servers', { a: 1 }],
  ['leave', []],
  ['leave', { room: 'x' }],
];

test('malformed payloads of every event get a clear protocol error and the server keeps serving', async (t) => {
  const url = await startServer(t);
  const attacker = await connect(t, url);
  const a = await connect(t, url);
  const b = await connect(t, url);
  await request(attacker, 'join', { v: 1, room: 'attack' });
  for (const [event, payload, code = 'bad-request'] of MALFORMED) {
    const answer = await request(attacker, event, payload);
    assert.equal(answer.ok, false, `${event} ${JSON.stringify(payload)?.slice(0, 80)}`);
    assert.equal(answer.error.code, code, `${event} ${JSON.stringify(payload)?.slice(0, 80)}`);
    assert.ok(answer.error.message.length > 10, 'the message says what is wrong');
  }
  // Nesting far deeper than JSON.stringify's stack, sent raw: refused, never re-emitted.
  const raw = await RawClient.open(t, url);
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  for (const [event, text] of [
    ['join', `{"v":1,"room":${deep}}`],
    ['signal', `{"description":${deep}}`],
    ['signal', deep],
    ['leave', `{"x":${deep}}`],
  ] as const) {
    const answer = await raw.emit(event, text);
    assert.equal(answer.error.code, 'bad-request', `${event} nested 10,000 deep`);
  }
  // Extra arguments are refused too.
  assert.equal((await request(attacker, 'join', { v: 1, room: 'x' }, 'extra')).error.code, 'bad-request');
  // Other clients are served as before.
  assert.equal((await request(a, 'join', { v: 1, room: 'fine' })).ok, true);
  assert.equal((await request(b, 'join', { v: 1, room: 'fine' })).ok, true);
  const atA = next(a, 'signal');
  await request(b, 'signal', { description: OFFER });
  assert.equal((await atA).description.sdp, OFFER.sdp);
});

test('a 1 MB string is cut off at the frame limit (close code 1009) and others keep being served', async (t) => {
  const url = await startServer(t);
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  t.after(() => ws.terminate());
  await new Promise((resolve) => ws.once('message', resolve)); // engine.io open packet
  ws.send('40');
  await new Promise((resolve) => ws.once('message', resolve)); // socket.io connect answer
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  ws.send(`420["join",${JSON.stringify({ v: 1, room: 'x'.repeat(1024 * 1024) })}]`);
  assert.equal(await closed, 1009, 'WebSocket "message too big"');

  const a = await connect(t, url);
  assert.equal((await request(a, 'join', { v: 1, room: 'after' })).ok, true);
});
