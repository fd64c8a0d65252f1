import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { OFFER, RawClient, connect, next, openEngine, record, request, startServer } from './helpers.js';

test('a reload that presents its session retakes the seat at once; a third stranger still gets room-full', async (t) => {
  const url = await startServer(t, { seatGraceMs: 60_000 });
  const a = await connect(t, url);
  const b = await connect(t, url);
  const ja = await request(a, 'join', { v: 1, room: 'reload' });
  const jb = await request(b, 'join', { v: 1, room: 'reload' });
  assert.equal(jb.ok, true);
  const seenByB = record(b, 'peer-leave');
  const joinsSeenByB = record(b, 'peer-join');
  const ghostGone = next(a, 'disconnect');

  // The reloaded page: a new socket, the same session, no resume (it lost its RTCPeerConnection).
  const a2 = await connect(t, url);
  const peerJoin = next(b, 'peer-join');
  const ja2 = await request(a2, 'join', { v: 1, room: 'reload', session: ja.session });
  assert.equal(ja2.ok, true, 'never room-full for its own seat');
  assert.equal(ja2.self, ja.self, 'the same peer id');
  assert.equal(ja2.session, ja.session);
  assert.deepEqual(ja2.peers, [jb.self]);
  assert.deepEqual(await peerJoin, { peer: ja.self, polite: jb.self < ja.self, resumed: false });
  assert.deepEqual(seenByB, [{ peer: ja.self, reason: 'replaced' }], 'told to negotiate afresh, before peer-join');
  assert.equal(await ghostGone, 'io server disconnect', 'the old socket (the ghost) is disconnected');

  const stranger = await connect(t, url);
  const refused = await request(stranger, 'join', { v: 1, room: 'reload' });
  assert.equal(refused.error.code, 'room-full');

  // A socket reconnect (resume: true) keeps both RTCPeerConnections: peer-join {resumed}, no peer-leave.
  const a3 = await connect(t, url);
  const resumedJoin = next(b, 'peer-join');
  assert.equal((await request(a3, 'join', { v: 1, room: 'reload', session: ja.session, resume: true })).ok, true);
  assert.deepEqual(await resumedJoin, { peer: ja.self, polite: jb.self < ja.self, resumed: true });
  assert.equal(seenByB.length, 1, 'no peer-leave for a resume');
  assert.equal(joinsSeenByB.length, 2);
  // Signals flow to the socket that holds the seat now.
  const atA3 = next(a3, 'signal');
  await request(b, 'signal', { description: OFFER });
  assert.deepEqual(await atA3, { from: jb.self, description: OFFER });
});

test('a dropped seat is held through the grace period: strangers get room-full, its session takes it back', async (t) => {
  const url = await startServer(t, { seatGraceMs: 60_000 });
  const a = await connect(t, url);
  const b = await connect(t, url);
  const ja = await request(a, 'join', { v: 1, room: 'grace-held' });
  await request(b, 'join', { v: 1, room: 'grace-held' });
  const leaves = record(b, 'peer-leave');
  a.close(); // the page went away without `leave`
  const stranger = await connect(t, url);
  assert.equal((await request(stranger, 'join', { v: 1, room: 'grace-held' })).error.code, 'room-full');
  const back = await connect(t, url);
  const again = await request(back, 'join', { v: 1, room: 'grace-held', session: ja.session, resume: true });
  assert.equal(again.ok, true);
  assert.equal(again.self, ja.self);
  assert.deepEqual(leaves, [], 'the peer never heard of the blip');
});

test('when the grace period runs out the seat is freed and the other peer told peer-leave "disconnected"', async (t) => {
  const url = await startServer(t, { seatGraceMs: 200 });
  const a = await connect(t, url);
  const b = await connect(t, url);
  const ja = await request(a, 'join', { v: 1, room: 'grace-expiry' });
  await request(b, 'join', { v: 1, room: 'grace-expiry' });
  const left = next(b, 'peer-leave');
  a.close();
  assert.deepEqual(await left, { peer: ja.self, reason: 'disconnected' });
  const c = await connect(t, url);
  const jc = await request(c, 'join', { v: 1, room: 'grace-expiry' });
  assert.equal(jc.ok, true, 'the freed seat can be taken');
  // The old session is no longer known: presenting it takes a free seat afresh, or none.
  const late = await connect(t, url);
  assert.equal(
    (await request(late, 'join', { v: 1, room: 'grace-expiry', session: ja.session })).error.code,
    'room-full',
  );
});

test('a socket whose peer dies silently is noticed by the heartbeat, then its seat is freed', async (t) => {
  const url = await startServer(t, { seatGraceMs: 100, limits: { pingIntervalMs: 100, pingTimeoutMs: 100 } });
  const silent = await RawClient.open(t, url);
  const joined = await silent.emit('join', JSON.stringify({ v: 1, room: 'heartbeat' }));
  const b = await connect(t, url);
  await request(b, 'join', { v: 1, room: 'heartbeat' });
  const left = next(b, 'peer-leave');
  silent.answerPings = false; // no FIN, no pong: like a phone that lost its network
  assert.deepEqual(await left, { peer: joined.self, reason: 'disconnected' });
});

test('heartbeat defaults notice a dead socket in about 15 s', async (t) => {
  const url = await startServer(t);
  const { handshake } = await openEngine(t, url);
  assert.equal(handshake.pingInterval, 10_000);
  assert.equal(handshake.pingTimeout, 5_000);
});

test('a connection that never sends CONNECT is closed after connectTimeout', async (t) => {
  const url = await startServer(t, { limits: { connectTimeoutMs: 200 } });
  const { ws } = await openEngine(t, url);
  const [code] = (await once(ws, 'close')) as [number];
  assert.ok(code > 0, 'closed by the server');
});

test('a room named like a socket id never reaches that socket: rooms live under a prefix', async (t) => {
  const url = await startServer(t);
  const victim = await connect(t, url);
  await request(victim, 'join', { v: 1, room: 'elsewhere' });
  const heard = record(victim, 'signal');
  const [x, y] = [await connect(t, url), await connect(t, url)];
  assert.match(victim.id!, /^[A-Za-z0-9_-]{1,64}$/, 'socket ids are valid room names: the prefix matters');
  assert.equal((await request(x, 'join', { v: 1, room: victim.id })).ok, true);
  assert.equal((await request(y, 'join', { v: 1, room: victim.id })).ok, true);
  const atY = next(y, 'signal');
  await request(x, 'signal', { description: OFFER });
  await atY;
  assert.deepEqual(heard, []);
});

test('rejoining on the same socket changes nothing for the peer', async (t) => {
  const url = await startServer(t);
  const a = await connect(t, url);
  const b = await connect(t, url);
  const ja = await request(a, 'join', { v: 1, room: 'twice' });
  await request(b, 'join', { v: 1, room: 'twice' });
  const seen = [...['peer-join', 'peer-leave'].map((event) => record(b, event))];
  const again = await request(a, 'join', { v: 1, room: 'twice', session: ja.session });
  assert.equal(again.self, ja.self);
  // A round trip through the server after the rejoin: any notice would have arrived before it.
  const marker = next(b, 'signal');
  await request(a, 'signal', { candidate: null });
  await marker;
  assert.deepEqual(seen, [[], []]);
  assert.equal(a.connected, true);
});
