import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { AddressBuckets, addressKey } from '../../server/lib/address-buckets.js';
import { iceServerSource, turnCredentials } from '../../server/lib/turn.js';
import { startCoturn } from '../support/coturn.js';
import { turnAllocate, turnSession } from '../support/stun.js';
import { connect, request, startServer } from './helpers.js';

const TURN_SECRET = 'turn-secret-for-tests-0123456789';
const TURN = {
  stunUrls: ['stun:127.0.0.1:3478'],
  turnUrls: ['turn:127.0.0.1:3478?transport=udp', 'turns:127.0.0.1:5349?transport=tcp'],
  turnSecret: TURN_SECRET,
  turnTtl: 600,
};

/** Checks one TURN entry against the secret, the way coturn does, and returns its expiry. */
function verifyCredentials(server: { username?: string; credential?: string }, peer: string): number {
  const match = /^(\d+):(.+)$/.exec(server.username ?? '');
  assert.ok(match, `username is "<unix expiry>:<user>": ${server.username}`);
  assert.equal(match[2], peer, 'the user part is the public peer id');
  assert.equal(server.credential, createHmac('sha1', TURN_SECRET).update(server.username!).digest('base64'));
  return Number(match[1]);
}

test('JoinOk and ice-servers carry coturn REST credentials that verify against TURN_SECRET', async (t) => {
  const url = await startServer(t, TURN);
  const a = await connect(t, url);
  assert.equal((await request(a, 'ice-servers', {})).error.code, 'not-joined', 'no TURN credentials before a seat');

  const before = Math.floor(Date.now() / 1000);
  const joined = await request(a, 'join', { v: 1, room: 'turn' });
  assert.equal(joined.ttl, 600);
  assert.deepEqual(joined.iceServers[0], { urls: TURN.stunUrls }, 'STUN passed through, no credentials');
  const turn = joined.iceServers[1];
  assert.deepEqual(turn.urls, TURN.turnUrls);
  const expiry = verifyCredentials(turn, joined.self);
  assert.ok(expiry >= before + 600 && expiry <= Math.floor(Date.now() / 1000) + 600, 'valid for TURN_TTL');
  assert.ok(!turn.username.includes(joined.session), 'the session (a bearer secret) never goes to coturn');

  const fresh = await request(a, 'ice-servers', {});
  assert.equal(fresh.ok, true);
  assert.equal(fresh.ttl, 600);
  assert.ok(verifyCredentials(fresh.iceServers[1], joined.self) >= expiry, 'fresh credentials');
});

test('without TURN configured, clients get the STUN URLs only and ttl 0', async (t) => {
  const url = await startServer(t, { stunUrls: ['stun:127.0.0.1:3478'] });
  const a = await connect(t, url);
  const joined = await request(a, 'join', { v: 1, room: 'no-turn' });
  assert.deepEqual(joined.iceServers, [{ urls: ['stun:127.0.0.1:3478'] }]);
  assert.equal(joined.ttl, 0);
  const none = await connect(t, await startServer(t));
  assert.deepEqual((await request(none, 'join', { v: 1, room: 'no-ice' })).iceServers, []);
});

test('a real coturn allocates a relay with server-minted credentials and refuses forged or expired ones', async (t) => {
  const coturn = await startCoturn({ secret: TURN_SECRET });
  t.after(() => coturn.stop());
  assert.match(coturn.url, /^turn:127\.0\.0\.1:\d+\?transport=udp$/);
  const url = await startServer(t, { turnUrls: [coturn.url], turnSecret: TURN_SECRET, turnTtl: 600 });
  const a = await connect(t, url);
  const joined = await request(a, 'join', { v: 1, room: 'coturn' });
  const [turn] = joined.iceServers;
  assert.deepEqual(turn.urls, [coturn.url]);

  const granted = await turnAllocate(coturn.port, turn.username, turn.credential);
  assert.equal(granted.ok, true, JSON.stringify(granted));

  const forged = turnCredentials('some-other-secret-0123456789', joined.self, Math.floor(Date.now() / 1000) + 600);
  assert.deepEqual(await turnAllocate(coturn.port, forged.username, forged.credential), {
    ok: false,
    code: 401,
    reason: 'Unauthorized',
  });
  const expired = turnCredentials(TURN_SECRET, joined.self, Math.floor(Date.now() / 1000) - 1);
  assert.equal(((await turnAllocate(coturn.port, expired.username, expired.credential)) as { code: number }).code, 401);

  // restart() keeps the port, so URLs handed out before it stay good.
  const port = coturn.port;
  await coturn.restart();
  assert.equal(coturn.port, port);
  const again = await request(a, 'ice-servers', {});
  assert.equal(
    (await turnAllocate(coturn.port, again.iceServers[0].username, again.iceServers[0].credential)).ok,
    true,
  );
});

/** A client that a trusted proxy (the test, on loopback) says is at `address`. */
function from(t: TestContext, url: string, address: string) {
  return connect(t, url, { extraHeaders: { 'x-forwarded-for': address } });
}

const hasTurn = (answer: Record<string, any>): boolean =>
  answer.iceServers.some((server: { urls: string[] }) => server.urls.some((u) => u.startsWith('turn')));

test('TURN credentials are minted at most TURN_MINT_PER_MINUTE times per client address: past it the join goes on with STUN only and a turn-rate-limited warning, other addresses still get TURN', async (t) => {
  const url = await startServer(t, { ...TURN, turnMintPerMinute: 3 });
  const first = await from(t, url, '203.0.113.7');
  const joined = await request(first, 'join', { v: 1, room: 'mint-a' });
  assert.ok(hasTurn(joined) && joined.warning === undefined, 'the first mint');
  for (let i = 0; i < 2; i += 1) assert.ok(hasTurn(await request(first, 'ice-servers', {})), `mint ${i + 2}`);

  // The fourth from the same address: a seat, STUN, no TURN, and why.
  const limited = await request(await from(t, url, '203.0.113.7'), 'join', { v: 1, room: 'mint-b' });
  assert.equal(limited.ok, true, 'the join itself goes on');
  assert.deepEqual(limited.iceServers, [{ urls: TURN.stunUrls }]);
  assert.equal(limited.ttl, 0);
  assert.equal(limited.warning.code, 'turn-rate-limited');
  assert.match(limited.warning.message, /without a relay/);
  const refresh = await request(first, 'ice-servers', {});
  assert.deepEqual(
    { ok: refresh.ok, iceServers: refresh.iceServers, code: refresh.warning?.code },
    { ok: true, iceServers: [{ urls: TURN.stunUrls }], code: 'turn-rate-limited' },
  );

  const other = await request(await from(t, url, '198.51.100.9'), 'join', { v: 1, room: 'mint-a' });
  assert.ok(hasTurn(other) && other.warning === undefined, 'another address is counted apart');
  verifyCredentials(other.iceServers[1], other.self);

  // IPv6 clients are counted by /64: a new address in the same /64 is the same client.
  const v6 = await from(t, url, '2001:db8:1:2::1');
  await request(v6, 'join', { v: 1, room: 'mint-c' });
  for (let i = 0; i < 2; i += 1) assert.ok(hasTurn(await request(v6, 'ice-servers', {})));
  const sameNet = await request(await from(t, url, '2001:db8:1:2::beef'), 'join', { v: 1, room: 'mint-d' });
  assert.equal(sameNet.warning?.code, 'turn-rate-limited');
  const nextNet = await request(await from(t, url, '2001:db8:1:3::1'), 'join', { v: 1, room: 'mint-e' });
  assert.ok(hasTurn(nextNet));
});

test('X-Forwarded-For names the client only when sent by a trusted proxy (TRUST_PROXY): with none trusted, every client of 127.0.0.1 is one address', async (t) => {
  const url = await startServer(t, { ...TURN, turnMintPerMinute: 2, trustProxy: [] });
  assert.ok(hasTurn(await request(await from(t, url, '203.0.113.1'), 'join', { v: 1, room: 'trust-a' })));
  assert.ok(hasTurn(await request(await from(t, url, '203.0.113.2'), 'join', { v: 1, room: 'trust-b' })));
  const third = await request(await from(t, url, '203.0.113.3'), 'join', { v: 1, room: 'trust-c' });
  assert.equal(third.warning?.code, 'turn-rate-limited', 'a forged header does not make a new address');
});

test('per-address mint buckets refill over the minute, stay bounded in number, and count IPv4-mapped as IPv4 and IPv6 by /64', () => {
  let now = 0;
  const buckets = new AddressBuckets({ perMinute: 2, maxKeys: 100, now: () => now });
  assert.deepEqual(
    ['192.0.2.1', '192.0.2.1', '192.0.2.1', '::ffff:192.0.2.1'].map((a) => buckets.take(a)),
    ['pass', 'pass', 'refused-first', 'refused'],
  );
  now += 30_000; // half a minute: one of the two tokens is back
  assert.deepEqual(
    ['192.0.2.1', '192.0.2.1'].map((a) => buckets.take(a)),
    ['pass', 'refused-first'],
  );
  assert.equal(addressKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(addressKey('2001:db8:0:1:aaaa::1'), addressKey('2001:DB8:0:1::2'));
  assert.notEqual(addressKey('2001:db8:0:1::1'), addressKey('2001:db8:0:2::1'));

  // An attacker with many addresses: the map never holds more than maxKeys of them.
  for (let i = 0; i < 5000; i += 1) {
    buckets.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    assert.ok(buckets.size <= 100);
  }
  assert.equal(buckets.size, 100);
  // The most recent ones are kept: the last address is still counted.
  assert.equal(buckets.take('10.0.19.135'), 'pass');
  assert.equal(buckets.take('10.0.19.135'), 'refused-first');
});

test('an address refused TURN credentials is reported once, until it gets credentials again', () => {
  let now = 0;
  const reported: string[] = [];
  const grant = iceServerSource(
    { ...TURN, turnMintPerMinute: 1, trustProxy: ['loopback'] },
    { now: () => now, onWithheld: (address) => reported.push(address) },
  );
  const source = { address: '127.0.0.1', headers: { 'x-forwarded-for': '192.0.2.44' } };
  assert.equal(grant('peer', source).warning, undefined);
  for (let i = 0; i < 5; i += 1) assert.equal(grant('peer', source).warning?.code, 'turn-rate-limited');
  assert.deepEqual(reported, ['192.0.2.44'], 'one log line, not one per refusal');
  now += 60_000;
  assert.equal(grant('peer', source).warning, undefined, 'a minute later: credentials again');
  assert.equal(grant('peer', source).warning?.code, 'turn-rate-limited');
  assert.deepEqual(reported, ['192.0.2.44', '192.0.2.44']);
});

test('a call outlives its TURN credentials: past TURN_TTL and a stale nonce, coturn still refreshes the allocation and its permissions; only a new allocation needs fresh credentials', async (t) => {
  // The shipped file, with nonces going stale after 2 s instead of 10 minutes.
  const conf = await readFile(new URL('../../deploy/turnserver.conf', import.meta.url), 'utf8');
  assert.match(conf, /^stale-nonce=\d+$/m);
  const coturn = await startCoturn({ secret: TURN_SECRET, base: conf.replace(/^stale-nonce=\d+$/m, 'stale-nonce=2') });
  t.after(() => coturn.stop());
  const url = await startServer(t, { turnUrls: [coturn.url], turnSecret: TURN_SECRET, turnTtl: 2 });
  const a = await connect(t, url);
  const joined = await request(a, 'join', { v: 1, room: 'outlive' });
  const [turn] = joined.iceServers;
  const expiry = verifyCredentials(turn, joined.self);
  const call = await turnSession(coturn.port, turn.username, turn.credential);
  t.after(() => call.close());
  assert.equal(call.allocation.ok, true, JSON.stringify(call.allocation));
  assert.deepEqual(await call.createPermission('8.8.8.8'), { ok: true });
  const nonceIssued = Date.now(); // at the latest: the nonce in use is no newer than this
  const stale = call.staleNonces;

  // Wall-clock time is what expires a credential and a nonce (coturn counts whole seconds): wait
  // until coturn's clock is past both.
  await sleep(Math.max(0, (expiry + 1) * 1000 - Date.now(), nonceIssued + 3500 - Date.now()));
  assert.equal(
    ((await turnAllocate(coturn.port, turn.username, turn.credential)) as { code?: number }).code,
    401,
    'the credential has expired',
  );
  assert.deepEqual(await call.refresh(600), { ok: true }, 'the allocation is refreshed with it all the same');
  assert.ok(call.staleNonces > stale, 'after signing again with a new nonce, as browsers do');
  assert.deepEqual(await call.createPermission('8.8.8.8'), { ok: true }, 'and its permissions');
  const fresh = (await request(a, 'ice-servers', {})).iceServers[0];
  assert.equal((await turnAllocate(coturn.port, fresh.username, fresh.credential)).ok, true, 'ice-servers: new ones');
});
