import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { turnCredentials } from '../../server/lib/turn.js';
import { startCoturn } from '../support/coturn.js';
import { turnSession } from '../support/stun.js';
import { connect, request, startServer } from './helpers.js';

const SECRET = 'turn-secret-for-tests-0123456789';
const CONF = new URL('../../deploy/turnserver.conf', import.meta.url);
const MAPPED = 'denied-peer-ip=::ffff:0.0.0.0-::ffff:255.255.255.255';

/** Peers a relay must never reach: private, loopback, link-local (cloud metadata), translated. */
const DENIED_V4 = ['127.0.0.1', '10.1.2.3', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.1'];
const DENIED_V6 = [
  '::ffff:127.0.0.1',
  '::ffff:10.1.2.3',
  '::127.0.0.1',
  '::1',
  'fd00::1',
  'fe80::1',
  '64:ff9b::a01:203',
  '2002:a01:203::1',
];

test('deploy/turnserver.conf carries the production settings', async () => {
  const lines = (await readFile(CONF, 'utf8')).split('\n').map((line) => line.trim());
  for (const setting of ['use-auth-secret', 'fingerprint', 'no-cli', 'no-multicast-peers', 'no-tcp-relay', MAPPED]) {
    assert.ok(lines.includes(setting), setting);
  }
  assert.ok(!lines.includes('allow-loopback-peers'), 'loopback peers only in test configurations');
  assert.ok(lines.filter((line) => line.startsWith('denied-peer-ip=')).length >= 25, 'the full IPv4 and IPv6 lists');
});

test('coturn runs deploy/turnserver.conf: server-minted credentials allocate, denied peers are refused', async (t) => {
  const coturn = await startCoturn({ secret: SECRET, base: await readFile(CONF, 'utf8') });
  t.after(() => coturn.stop());
  const url = await startServer(t, { turnUrls: [coturn.url], turnSecret: SECRET });
  const joined = await request(await connect(t, url), 'join', { v: 1, room: 'deploy' });
  const [turn] = joined.iceServers;

  const v4 = await turnSession(coturn.port, turn.username, turn.credential);
  t.after(() => v4.close());
  assert.equal(v4.allocation.ok, true, JSON.stringify(v4.allocation));
  for (const ip of DENIED_V4) {
    assert.deepEqual(await v4.createPermission(ip), { ok: false, code: 403, reason: 'Forbidden IP' }, ip);
  }
  const v6 = await turnSession(coturn.port, turn.username, turn.credential, { family: 'ipv6' });
  t.after(() => v6.close());
  assert.equal(v6.allocation.ok, true, JSON.stringify(v6.allocation));
  for (const ip of DENIED_V6) {
    assert.deepEqual(await v6.createPermission(ip), { ok: false, code: 403, reason: 'Forbidden IP' }, ip);
  }
});

test('without its IPv4-mapped lines, coturn 4.6 would relay to ::ffff:127.0.0.1 (why they are there)', async (t) => {
  const conf = (await readFile(CONF, 'utf8')).replace(MAPPED, '');
  const coturn = await startCoturn({ secret: SECRET, base: conf });
  t.after(() => coturn.stop());
  const { username, credential } = turnCredentials(SECRET, 'peer', Math.floor(Date.now() / 1000) + 600);
  const v6 = await turnSession(coturn.port, username, credential, { family: 'ipv6' });
  t.after(() => v6.close());
  assert.deepEqual(await v6.createPermission('::ffff:127.0.0.1'), { ok: true }, 'the IPv4 list does not cover it');
  assert.deepEqual(await v6.createPermission('::1'), { ok: false, code: 403, reason: 'Forbidden IP' });
});
