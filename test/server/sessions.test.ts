// Sessions are issued and signed by the server (server/lib/ids.ts): a client cannot choose one, a
// restart keeps the secret (server/lib/session-secret.ts), and several nodes must share it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { buildApp } from '../../server/app.js';
import { ConfigError, configFromEnv } from '../../server/config.js';
import { startNode } from '../support/node-process.js';
import { freePort, startRedis } from '../support/redis.js';
import { connect, next, record, request, startServer } from './helpers.js';

/** A temporary state directory, removed when the test ends. */
async function stateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `session` with one character of its signature changed (still 54 base64url characters). */
function tampered(session: string): string {
  const at = 40;
  return session.slice(0, at) + (session[at] === 'A' ? 'B' : 'A') + session.slice(at + 1);
}

test('a session the server never issued is never adopted: a made-up or altered one gets a new session and no seat it names', async (t) => {
  const url = await startServer(t, { seatGraceMs: 60_000, stateDir: await stateDir(t) });
  const madeUp = 'a'.repeat(16);
  const c = await connect(t, url);
  const first = await request(c, 'join', { v: 1, room: 'chosen', session: madeUp });
  assert.equal(first.ok, true, 'the join goes on, as if it had sent no session');
  assert.notEqual(first.session, madeUp, 'a client-chosen session is not adopted');
  assert.match(first.session, /^[A-Za-z0-9_-]{54}$/);

  // A real call in another room; one side's socket drops and its seat waits for its session.
  const a = await connect(t, url);
  const b = await connect(t, url);
  const ja = await request(a, 'join', { v: 1, room: 'held' });
  const jb = await request(b, 'join', { v: 1, room: 'held' });
  const heardByB = [...['peer-join', 'peer-leave'].map((event) => record(b, event))];
  a.close();
  // The last of 54 base64url characters carries 2 bits of the 40 bytes and 4 unused ones: another
  // spelling of the same bytes is not the session either.
  const last = BASE64URL.indexOf(ja.session.at(-1)!);
  const respelled = ja.session.slice(0, -1) + BASE64URL[last ^ 1]!;
  const forgeries = [
    ['an altered signature', tampered(ja.session)],
    ['16 a', madeUp],
    ['another spelling of the same bytes', respelled],
  ] as const;
  for (const [index, [what, forged]] of forgeries.entries()) {
    const attacker = await connect(t, url);
    const refused = await request(attacker, 'join', { v: 1, room: 'held', session: forged });
    assert.equal(refused.ok, false, what);
    assert.equal(refused.error.code, 'room-full', `${what}: not the seat of its real holder`);
    const elsewhere = await request(attacker, 'join', { v: 1, room: `fresh-${index}`, session: forged });
    assert.equal(elsewhere.ok, true, what);
    assert.notEqual(elsewhere.session, forged, `${what}: a new session is issued instead`);
    assert.notEqual(elsewhere.self, ja.self, `${what}: not the peer id of the real holder`);
  }
  assert.deepEqual(heardByB, [[], []], 'the peer heard of no one');

  // The real holder still takes its seat back with the session it was given.
  const back = await connect(t, url);
  const resumed = next(b, 'peer-join');
  const again = await request(back, 'join', { v: 1, room: 'held', session: ja.session, resume: true });
  assert.equal(again.ok, true);
  assert.equal(again.session, ja.session);
  assert.deepEqual(again.peers, [jb.self]);
  assert.deepEqual(await resumed, { peer: ja.self, polite: jb.self < ja.self, resumed: true });
});

test('a signaling restart keeps the call: a session issued before the restart still retakes its seat', async (t) => {
  const dir = await stateDir(t);
  const options = { seatGraceMs: 60_000, stateDir: dir };
  const before = await startNode(t, options);
  const [a, b] = [await connect(t, before.url), await connect(t, before.url)];
  const ja = await request(a, 'join', { v: 1, room: 'restart' });
  const jb = await request(b, 'join', { v: 1, room: 'restart' });
  assert.equal(ja.ok && jb.ok, true);
  // The secret was made on the first start and kept for the next one, readable by this user only.
  assert.match(await readFile(join(dir, 'session-secret'), 'utf8'), /^[A-Za-z0-9_-]{43}\n$/);
  assert.equal((await stat(join(dir, 'session-secret'))).mode & 0o777, 0o600);
  await before.crash();

  // A new process remembers no seat: only the signature tells its own sessions from made-up ones.
  const after = await startNode(t, options);
  const [a2, b2] = [await connect(t, after.url), await connect(t, after.url)];
  const ra = await request(a2, 'join', { v: 1, room: 'restart', session: ja.session, resume: true });
  assert.equal(ra.ok, true, JSON.stringify(ra));
  assert.equal(ra.session, ja.session, 'the session issued before the restart is taken back');
  assert.equal(ra.self, ja.self, 'the same peer id: the other side keeps its RTCPeerConnection');
  const peerJoin = next(a2, 'peer-join');
  const rb = await request(b2, 'join', { v: 1, room: 'restart', session: jb.session, resume: true });
  assert.equal(rb.session, jb.session);
  assert.deepEqual(rb.peers, [ja.self]);
  assert.deepEqual(await peerJoin, { peer: jb.self, polite: ja.self < jb.self, resumed: true });
  const stranger = await connect(t, after.url);
  assert.equal((await request(stranger, 'join', { v: 1, room: 'restart' })).error.code, 'room-full');
  const madeUp = await request(stranger, 'join', { v: 1, room: 'after-restart', session: 'b'.repeat(32) });
  assert.notEqual(madeUp.session, 'b'.repeat(32), 'after a restart too, a made-up session is not adopted');
});

test('several nodes refuse to start without a shared session secret (SESSION_SECRET or JOIN_SECRET)', async (t) => {
  const redis = await startRedis(t);
  // The server as `npm start` runs it, with REDIS_URL and neither secret.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { PATH: process.env.PATH, REDIS_URL: redis.url, HOST: '127.0.0.1', PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const listening = new Promise<'listening'>((resolve) =>
    child.stdout.on('data', () => output.includes('Server listening') && resolve('listening')),
  );
  const outcome = await Promise.race([once(child, 'exit').then(([code]) => code as number), listening]);
  assert.equal(outcome, 1, `exits with 1 instead of serving:\n${output}`);
  assert.match(output, /REDIS_URL \(several nodes\) needs SESSION_SECRET, the same on every node/);

  // buildApp (what tests and embedders call) refuses the same way.
  await assert.rejects(buildApp({ logLevel: false, redisUrl: redis.url }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /SESSION_SECRET/);
    return true;
  });
});

test('configFromEnv reads SESSION_SECRET and STATE_DIRECTORY, and refuses REDIS_URL without a session secret', () => {
  const secret = 'a-session-secret-0123456789';
  const config = configFromEnv({ SESSION_SECRET: secret, STATE_DIRECTORY: '/var/lib/rtc-call:/var/lib/other' });
  assert.equal(config.sessionSecret, secret);
  assert.equal(config.stateDir, '/var/lib/rtc-call', "systemd's list: the first folder");
  assert.equal(configFromEnv({}).stateDir, '.rtc-call');
  assert.throws(() => configFromEnv({ SESSION_SECRET: 'short' }), /SESSION_SECRET must be at least 16 characters/);
  assert.throws(
    () => configFromEnv({ REDIS_URL: 'redis://10.0.0.5:6379' }),
    /REDIS_URL \(several nodes\) needs SESSION_SECRET/,
  );
  for (const env of [{ SESSION_SECRET: secret }, { JOIN_SECRET: secret }]) {
    assert.equal(configFromEnv({ REDIS_URL: 'redis://10.0.0.5:6379', ...env }).redisUrl, 'redis://10.0.0.5:6379');
  }
});

test('the session secret file: a damaged one, or a state directory that is a file, stops the server with a message naming it', async (t) => {
  const dir = await stateDir(t);
  await writeFile(join(dir, 'session-secret'), 'short\n', { mode: 0o600 });
  await assert.rejects(buildApp({ logLevel: false, stateDir: dir }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^STATE_DIRECTORY: ".*session-secret" holds no usable session secret/);
    return true;
  });
  const blocked = join(dir, 'not-a-folder');
  await writeFile(blocked, '');
  await assert.rejects(buildApp({ logLevel: false, stateDir: blocked }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(
      error.message,
      /^STATE_DIRECTORY: cannot read the session secret ".*not-a-folder\/session-secret" \(ENOTDIR\)/,
    );
    return true;
  });
});
