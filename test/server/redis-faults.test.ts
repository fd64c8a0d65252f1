import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cluster, joinWhenAvailable } from './cluster.js';
import { OFFER, connect, next, record, request } from './helpers.js';

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

test('Redis hanging (SIGSTOP): joins get "unavailable" after the command timeout, and go on once it answers again', async (t) => {
  const { redis, a: nodeA, b: nodeB } = await cluster(t);
  const a = await connect(t, nodeA.url);
  const b = await connect(t, nodeB.url);
  const ja = await request(a, 'join', { v: 1, room: 'hang' });
  await request(b, 'join', { v: 1, room: 'hang' });
  redis.pause();
  t.after(() => redis.resume());
  const c = await connect(t, nodeB.url);
  const refused = await request(c, 'join', { v: 1, room: 'hang-2' });
  assert.equal(refused.error.code, 'unavailable', 'a refusal, not a join left hanging');
  redis.resume();
  assert.equal((await joinWhenAvailable(c, { v: 1, room: 'hang-2' })).ok, true);
  // Nothing was lost: the room is still full, and relays cross nodes again.
  const stranger = await connect(t, nodeA.url);
  assert.equal((await joinWhenAvailable(stranger, { v: 1, room: 'hang' })).error.code, 'room-full');
  const atB = next(b, 'signal');
  await request(a, 'signal', { description: OFFER });
  assert.deepEqual(await atB, { from: ja.self, description: OFFER });
  assert.equal(nodeA.alive() && nodeB.alive(), true);
});
