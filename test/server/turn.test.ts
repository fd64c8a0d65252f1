import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { turnCredentials } from '../../server/lib/turn.js';
import { startCoturn } from '../support/coturn.js';
import { turnAllocate } from '../support/stun.js';
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
