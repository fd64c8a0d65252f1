import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { selfSignedCertificate } from '../../server/lib/tls.js';
import { startNode } from '../support/node-process.js';
import { startRedis } from '../support/redis.js';
import { cluster, joinWhenAvailable } from './cluster.js';
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

test('Redis stores only a hash of each session, never the session id', async (t) => {
  // Everything any node sends Redis: seat scripts, their arguments, publishes. MONITOR starts
  // before the nodes do and once this client is ready: ioredis misreads a command another client
  // runs in the moment after MONITOR's OK (the nodes' heartbeats, every 200 ms) as a reply of its own.
  let client!: Redis;
  let monitor!: Redis;
  const sent: string[] = [];
  const { a: nodeA, b: nodeB } = await cluster(t, { seatGraceMs: 60_000 }, async (redis) => {
    client = new Redis(redis.url);
    await client.ping();
    monitor = await client.monitor();
    // Redis stops (an earlier t.after) before these let go: their reconnect errors are expected.
    for (const connection of [client, monitor]) connection.on('error', () => undefined);
    t.after(() => {
      monitor.disconnect();
      client.disconnect();
    });
    monitor.on('monitor', (_time: string, args: string[]) => sent.push(args.join(' ')));
  });

  const a = await connect(t, nodeA.url);
  const b = await connect(t, nodeB.url);
  const ja = await request(a, 'join', { v: 1, room: 'hashed' });
  const jb = await request(b, 'join', { v: 1, room: 'hashed' });
  const atB = next(b, 'signal');
  await request(a, 'signal', { description: OFFER });
  await atB;
  a.close(); // the seat is away, held in Redis for its session
  const back = await connect(t, nodeB.url);
  const again = await request(back, 'join', { v: 1, room: 'hashed', session: ja.session, resume: true });
  assert.equal(again.ok, true, 'a seat can still be retaken with the session');
  assert.equal(again.self, ja.self);
  assert.deepEqual(again.peers, [jb.self]);

  // Every key and every value Redis holds now.
  const marker = `marker-${Date.now()}`;
  const seen = new Promise<void>((resolve) =>
    monitor.on('monitor', (_time: string, args: string[]) => args.includes(marker) && resolve()),
  );
  await client.exists(marker);
  await seen; // MONITOR reports in execution order: everything sent before the marker is in `sent`
  const stored: string[] = [];
  for (const key of await client.keys('*')) {
    stored.push(key);
    const type = await client.type(key);
    if (type === 'hash') stored.push(...Object.entries(await client.hgetall(key)).flat());
    else if (type === 'set') stored.push(...(await client.smembers(key)));
    else if (type === 'zset') stored.push(...(await client.zrange(key, 0, -1)));
    else if (type === 'string') stored.push((await client.get(key)) ?? '');
    else assert.fail(`unexpected ${type} ${key}`);
  }
  assert.equal(Object.keys(await client.hgetall('rtc-call:room:hashed')).length, 2, 'both seats are there');
  for (const session of [ja.session, jb.session]) {
    // Its random part alone would be as bad: it is what the signature is made from.
    for (const part of [session, session.slice(0, 32)]) {
      assert.deepEqual(
        stored.filter((text) => text.includes(part)),
        [],
        'no key or value holds a session',
      );
      assert.deepEqual(
        sent.filter((command) => command.includes(part)),
        [],
        'no command sent to Redis carries one',
      );
    }
  }
  assert.ok(
    sent.some((command) => command.includes('hashed')),
    'the monitor saw the seat scripts',
  );
});

/** The ACL rules docs/scaling.md gives for the nodes' Redis user, with `password` in place. */
async function documentedAcl(password: string): Promise<string[]> {
  const doc = await readFile(new URL('../../docs/scaling.md', import.meta.url), 'utf8');
  const line = /^\s*ACL SETUSER rtc-call (.+)$/m.exec(doc)?.[1];
  assert.ok(line, 'docs/scaling.md gives an ACL SETUSER rtc-call line');
  assert.match(line, /\s>PASSWORD\s/);
  return line.split(/\s+/).map((rule) => (rule === '>PASSWORD' ? `>${password}` : rule));
}

/** Two nodes on `redisUrl` with one session secret, meeting, relaying, retaking and leaving across nodes. */
async function callAcross(t: TestContext, redisUrl: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const options = {
    redisUrl,
    sessionSecret: randomBytes(32).toString('base64url'),
    seatGraceMs: 500,
    redis: { heartbeatMs: 200, nodeTimeoutMs: 2000, holdMs: 1000 },
  };
  const [nodeA, nodeB] = await Promise.all([startNode(t, options, env), startNode(t, options, env)]);
  const a = await connect(t, nodeA.url);
  const b = await connect(t, nodeB.url);
  const ja = await joinWhenAvailable(a, { v: 1, room: 'guarded' });
  assert.equal(ja.ok, true, JSON.stringify(ja) + nodeA.output());
  const jb = await request(b, 'join', { v: 1, room: 'guarded' });
  assert.deepEqual(jb.peers, [ja.self]);
  const atB = next(b, 'signal');
  await request(a, 'signal', { description: OFFER });
  assert.deepEqual(await atB, { from: ja.self, description: OFFER });
  // A reload that lands on the other node: the old socket is disconnected through the adapter.
  const ghost = next(a, 'disconnect');
  const a2 = await connect(t, nodeB.url);
  assert.equal((await request(a2, 'join', { v: 1, room: 'guarded', session: ja.session })).self, ja.self);
  await ghost;
  // A node that dies: the other adopts its seats and frees them after the grace period.
  const c = await connect(t, nodeA.url);
  const jc = await request(c, 'join', { v: 1, room: 'orphaned' });
  const d = await connect(t, nodeB.url);
  await request(d, 'join', { v: 1, room: 'orphaned' });
  const left = next(d, 'peer-leave', 10_000);
  await nodeA.crash();
  assert.deepEqual(await left, { peer: jc.self, reason: 'disconnected' });
  const bye = next(b, 'peer-leave');
  await request(a2, 'leave', {});
  assert.deepEqual(await bye, { peer: ja.self, reason: 'left' });
  assert.deepEqual(await (await fetch(`${nodeB.url}/healthz`)).json(), { ok: true, redis: 'up' });
}

test('Redis with AUTH: nodes log in as the ACL user of docs/scaling.md (redis://user:password@), which is enough for calls across nodes; a wrong password seats nobody', async (t) => {
  const password = randomBytes(24).toString('base64url');
  const admin = randomBytes(24).toString('base64url');
  const redis = await startRedis(t, {
    args: [
      ...['--user', 'default', 'off'],
      ...['--user', 'rtc-call', ...(await documentedAcl(password))],
      ...['--user', 'admin', 'on', `>${admin}`, '~*', '&*', '+@all'],
    ],
  });
  const url = (user: string, secret: string): string => `redis://${user}:${secret}@127.0.0.1:${redis.port}`;
  await callAcross(t, url('rtc-call', password));
  // Nothing the nodes did was refused by the ACL (a refused command inside a script is logged here).
  const inspector = new Redis(url('admin', admin));
  t.after(() => inspector.disconnect());
  inspector.on('error', () => undefined);
  assert.deepEqual(await inspector.call('ACL', 'LOG'), [], 'no command or key was refused');
  // And the user is no more than that: another application's keys and admin commands are refused.
  const asNode = new Redis(url('rtc-call', password));
  t.after(() => asNode.disconnect());
  asNode.on('error', () => undefined);
  await assert.rejects(asNode.set('other-app:key', '1'), /NOPERM/);
  await assert.rejects(asNode.flushall(), /NOPERM/);
  await assert.rejects(asNode.keys('*'), /NOPERM/);

  const wrong = await startNode(t, {
    redisUrl: url('rtc-call', 'not-the-password'),
    sessionSecret: password,
    logLevel: 'warn',
  });
  const e = await connect(t, wrong.url);
  assert.equal((await request(e, 'join', { v: 1, room: 'guarded-2' })).error.code, 'unavailable');
  assert.deepEqual(await (await fetch(`${wrong.url}/healthz`)).json(), { ok: true, redis: 'down' });
  assert.match(wrong.output(), /WRONGPASS/, 'the node logs why');
});

test('REDIS_URL=rediss://: nodes speak TLS to Redis and check its certificate (NODE_EXTRA_CA_CERTS for a private CA)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-redis-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { path: cert, key } = await selfSignedCertificate(dir);
  const keyFile = join(dir, 'redis-key.pem');
  await writeFile(keyFile, key, { mode: 0o600 });
  const password = randomBytes(24).toString('base64url');
  const redis = await startRedis(t, { tls: { cert, key: keyFile }, args: ['--requirepass', password] });
  assert.match(redis.url, /^rediss:/);
  const url = `rediss://:${password}@127.0.0.1:${redis.port}`;
  await callAcross(t, url, { NODE_EXTRA_CA_CERTS: cert });

  // Without the CA the certificate does not check out: no connection, never an unverified one.
  const unverified = await startNode(
    t,
    { redisUrl: url, sessionSecret: password, logLevel: 'warn' },
    { NODE_EXTRA_CA_CERTS: '' },
  );
  const e = await connect(t, unverified.url);
  assert.equal((await request(e, 'join', { v: 1, room: 'tls-2' })).error.code, 'unavailable');
  assert.match(unverified.output(), /self.signed certificate/i);
});

test("a message on the adapter's channels that is not the adapter's own ends no node: it is dropped, and calls go on", async (t) => {
  const { redis, a: nodeA, b: nodeB } = await cluster(t);
  const publisher = new Redis(redis.url);
  publisher.on('error', () => undefined);
  t.after(() => publisher.disconnect());
  const a = await connect(t, nodeA.url);
  const b = await connect(t, nodeB.url);
  const ja = await request(a, 'join', { v: 1, room: 'garbage' });
  const jb = await request(b, 'join', { v: 1, room: 'garbage' });
  // Not msgpack; msgpack of a number; msgpack of ["x", 5, nil] (an array of the wrong shapes).
  const garbage = [Buffer.from([0xc1, 0xff]), Buffer.from([0x05]), Buffer.from([0x93, 0xa1, 0x78, 0x05, 0xc0])];
  for (const channel of ['rtc-call:socket.io#/#', 'rtc-call:socket.io-request#/#', 'rtc-call:socket.io-response#/#']) {
    for (const message of garbage) assert.equal(await publisher.publish(channel, message), 2, 'both nodes listen');
  }
  // Published messages are delivered in order: relays through the adapter after them arrive, both ways.
  const atB = next(b, 'signal');
  await request(a, 'signal', { description: OFFER });
  assert.deepEqual(await atB, { from: ja.self, description: OFFER });
  const atA = next(a, 'signal');
  await request(b, 'signal', { candidate: null });
  assert.deepEqual(await atA, { from: jb.self, candidate: null });
  assert.equal(nodeA.alive() && nodeB.alive(), true, nodeA.output() + nodeB.output());
});
