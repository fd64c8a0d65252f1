import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Socket } from 'socket.io-client';
import type { AppOptions } from '../../server/app.js';
import { startNode, type NodeProcess } from '../support/node-process.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { CANDIDATE, OFFER, connect, next, record, request } from './helpers.js';

/** Two nodes sharing one Redis; heartbeat and node timeout short so a dead node is noticed soon. */
async function cluster(
  t: TestContext,
  options: AppOptions = {},
): Promise<{ redis: RedisServer; a: NodeProcess; b: NodeProcess }> {
  const redis = await startRedis(t);
  const nodeOptions: AppOptions = {
    redisUrl: redis.url,
    redis: { heartbeatMs: 200, nodeTimeoutMs: 1000, holdMs: 1000 },
    limits: { burst: 1e6, perSecond: 1e6 },
    ...options,
  };
  const [a, b] = await Promise.all([startNode(t, nodeOptions), startNode(t, nodeOptions)]);
  return { redis, a, b };
}

/** Joins, retrying while the server answers `unavailable` (what the browser client does too). */
async function joinWhenAvailable(socket: Socket, payload: object): Promise<Record<string, any>> {
  for (;;) {
    const answer = await request(socket, 'join', payload);
    if (answer.ok || answer.error.code !== 'unavailable') return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

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

test('a node killed -9: its seats are freed by the grace rule on a live node, never stuck', async (t) => {
  const { a: nodeA, b: nodeB } = await cluster(t, { seatGraceMs: 500 });
  const a = await connect(t, nodeA.url);
  const b = await connect(t, nodeB.url);
  const ja = await request(a, 'join', { v: 1, room: 'orphan' });
  await request(b, 'join', { v: 1, room: 'orphan' });
  const left = next(b, 'peer-leave', 10_000);
  await nodeA.crash();
  assert.deepEqual(await left, { peer: ja.self, reason: 'disconnected' });
  const stranger = await connect(t, nodeB.url);
  assert.equal((await request(stranger, 'join', { v: 1, room: 'orphan' })).ok, true, 'the seat is free again');
  assert.equal(nodeB.alive(), true);
});

test('a node killed -9 mid-call: its client takes its seat back on the other node within the grace period', async (t) => {
  const { a: nodeA, b: nodeB } = await cluster(t, { seatGraceMs: 20_000 });
  const a = await connect(t, nodeA.url);
  const b = await connect(t, nodeB.url);
  const ja = await request(a, 'join', { v: 1, room: 'failover' });
  const jb = await request(b, 'join', { v: 1, room: 'failover' });
  const leaves = record(b, 'peer-leave');
  await nodeA.crash();
  const again = await connect(t, nodeB.url);
  const resumed = next(b, 'peer-join');
  const back = await request(again, 'join', { v: 1, room: 'failover', session: ja.session, resume: true });
  assert.equal(back.ok, true);
  assert.deepEqual(back.peers, [jb.self]);
  assert.deepEqual(await resumed, { peer: ja.self, polite: jb.self < ja.self, resumed: true });
  const atAgain = next(again, 'signal');
  await request(b, 'signal', { description: OFFER });
  await atAgain;
  assert.deepEqual(leaves, []);
});

test('Redis away: no node exits, joins get a retryable "unavailable", and when it is back (empty) the held seats are put back', async (t) => {
  const { redis, a: nodeA, b: nodeB } = await cluster(t, { seatGraceMs: 60_000 });
  const a = await connect(t, nodeA.url);
  const b = await connect(t, nodeB.url);
  const ja = await request(a, 'join', { v: 1, room: 'outage' });
  const jb = await request(b, 'join', { v: 1, room: 'outage' });

  await redis.stop();
  const c = await connect(t, nodeA.url);
  const refused = await request(c, 'join', { v: 1, room: 'elsewhere' });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, 'unavailable');
  assert.match(refused.error.message, /try again/);
  for (const node of [nodeA, nodeB]) {
    const health = await fetch(`${node.url}/healthz`);
    assert.equal(health.status, 200, 'a load balancer must not take every node out for a Redis blip');
    assert.deepEqual(await health.json(), { ok: true, redis: 'down' });
  }

  await redis.start(); // empty: no persistence
  const joined = await joinWhenAvailable(c, { v: 1, room: 'elsewhere' });
  assert.equal(joined.ok, true, JSON.stringify(joined));
  // Both nodes put their seats back before anyone new was seated: the room is still full.
  const stranger = await connect(t, nodeB.url);
  assert.equal((await joinWhenAvailable(stranger, { v: 1, room: 'outage' })).error.code, 'room-full');
  // And the two keep relaying across nodes, with the same ids.
  const atB = next(b, 'signal');
  await request(a, 'signal', { description: OFFER });
  assert.deepEqual(await atB, { from: ja.self, description: OFFER });
  const rejoin = await request(b, 'join', { v: 1, room: 'outage', session: jb.session, resume: true });
  assert.deepEqual(rejoin.peers, [ja.self]);
  assert.equal(nodeA.alive() && nodeB.alive(), true, nodeA.output() + nodeB.output());
});
