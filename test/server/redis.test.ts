import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cluster } from './cluster.js';
import { CANDIDATE, OFFER, connect, next, record, request } from './helpers.js';

test('two nodes on Redis: peers on different nodes meet, relay both ways, and hear each other leave', async (t) => {
  const { a: nodeA, b: nodeB } = await cluster(t);
  const a = await connect(t, nodeA.url);
  const b = await connect(t, nodeB.url);
  const ja = await request(a, 'join', { v: 1, room: 'across' });
  assert.equal(ja.ok, true, JSON.stringify(ja));
  const peerJoin = next(a, 'peer-join');
  const jb = await request(b, 'join', { v: 1, room: 'across' });
  assert.equal(jb.ok, true);
  assert.deepEqual(jb.peers, [ja.self]);
  assert.equal(jb.polite, jb.self < ja.self);
  assert.deepEqual(await peerJoin, { peer: jb.self, polite: ja.self < jb.self, resumed: false });

  const atB = next(b, 'signal');
  assert.deepEqual(await request(a, 'signal', { description: OFFER }), { ok: true });
  assert.deepEqual(await atB, { from: ja.self, description: OFFER });
  const atA = next(a, 'signal');
  await request(b, 'signal', { candidate: CANDIDATE });
  assert.deepEqual(await atA, { from: jb.self, candidate: CANDIDATE });

  const left = next(a, 'peer-leave');
  await request(b, 'leave', {});
  assert.deepEqual(await left, { peer: jb.self, reason: 'left' });
  assert.deepEqual(await (await fetch(`${nodeA.url}/healthz`)).json(), { ok: true, redis: 'up' });
});

test('a session moves to the other node: a reload is "replaced", a reconnect "resumed"; the ghost is disconnected', async (t) => {
  const { a: nodeA, b: nodeB } = await cluster(t, { seatGraceMs: 60_000 });
  const a = await connect(t, nodeA.url);
  const b = await connect(t, nodeB.url);
  const ja = await request(a, 'join', { v: 1, room: 'move' });
  const jb = await request(b, 'join', { v: 1, room: 'move' });
  const leaves = record(b, 'peer-leave');
  const ghostGone = next(a, 'disconnect');

  // A reload that lands on node B: same session, no resume.
  const a2 = await connect(t, nodeB.url);
  const peerJoin = next(b, 'peer-join');
  const ja2 = await request(a2, 'join', { v: 1, room: 'move', session: ja.session });
  assert.equal(ja2.ok, true, 'never room-full for its own seat');
  assert.equal(ja2.self, ja.self);
  assert.deepEqual(ja2.peers, [jb.self]);
  assert.deepEqual(await peerJoin, { peer: ja.self, polite: jb.self < ja.self, resumed: false });
  assert.deepEqual(leaves, [{ peer: ja.self, reason: 'replaced' }]);
  assert.equal(await ghostGone, 'io server disconnect', 'the old socket on node A is disconnected from node B');

  // A reconnect back to node A: resume, no peer-leave.
  const a3 = await connect(t, nodeA.url);
  const resumed = next(b, 'peer-join');
  const ghost2 = next(a2, 'disconnect');
  assert.equal((await request(a3, 'join', { v: 1, room: 'move', session: ja.session, resume: true })).ok, true);
  assert.deepEqual(await resumed, { peer: ja.self, polite: jb.self < ja.self, resumed: true });
  await ghost2;
  assert.equal(leaves.length, 1);
  const atA3 = next(a3, 'signal');
  await request(b, 'signal', { description: OFFER });
  assert.deepEqual(await atA3, { from: jb.self, description: OFFER });

  const stranger = await connect(t, nodeA.url);
  assert.equal((await request(stranger, 'join', { v: 1, room: 'move' })).error.code, 'room-full');
});

test('concurrent joins from both nodes never seat three: 200 rooms, the third always gets room-full', async (t) => {
  const { a: nodeA, b: nodeB } = await cluster(t);
  const onA = await Promise.all([1, 2].map(() => connect(t, nodeA.url)));
  const onB = await Promise.all([1, 2].map(() => connect(t, nodeB.url)));
  for (let round = 0; round < 200; round += 1) {
    // Two joiners on one node and one on the other, alternating, all at once.
    const joiners = round % 2 === 0 ? [onA[0]!, onA[1]!, onB[0]!] : [onB[0]!, onB[1]!, onA[0]!];
    const answers = await Promise.all(
      joiners.map((socket) => request(socket, 'join', { v: 1, room: `race-${round}` })),
    );
    const seated = answers.filter((answer) => answer.ok);
    const refused = answers.filter((answer) => !answer.ok).map((answer) => answer.error.code);
    assert.equal(seated.length, 2, `round ${round}: ${JSON.stringify(answers)}`);
    assert.deepEqual(refused, ['room-full'], `round ${round}`);
  }
});
