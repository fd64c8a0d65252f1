import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { signJoinToken, verifyJoinToken } from '../../server/lib/tokens.js';
import { connect, metric, request, startServer } from './helpers.js';

const SECRET = 'join-secret-for-tests-0123456789';
const now = (): number => Math.floor(Date.now() / 1000);

/** A JWT built by hand, so that tests can make the ones signJoinToken never would. */
function jwt(header: object, claims: object, secret = SECRET): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

test('verifyJoinToken accepts a good token and says why it refuses the others', () => {
  const good = signJoinToken({ room: 'r', exp: now() + 60 }, SECRET);
  assert.deepEqual(verifyJoinToken(good, SECRET, 'r', now()), { ok: true, claims: { room: 'r', exp: now() + 60 } });
  // Interoperable with any HS256 library: the same bytes as a hand-made JWT.
  assert.equal(good, jwt({ alg: 'HS256', typ: 'JWT' }, { room: 'r', exp: now() + 60 }));

  const refusals: Array<[string, string, RegExp]> = [
    ['not a jwt', 'r', /not a JWT/],
    [signJoinToken({ room: 'r', exp: now() - 1 }, SECRET), 'r', /expired/],
    [signJoinToken({ room: 'other', exp: now() + 60 }, SECRET), 'r', /another room/],
    [signJoinToken({ room: 'r', exp: now() + 60 }, 'another-secret-0123456789'), 'r', /not signed by this server/],
    [jwt({ alg: 'HS256' }, { room: 'r' }), 'r', /no expiry/],
    [jwt({ alg: 'HS256' }, { room: 'r', exp: `${now() + 60}` }), 'r', /no expiry/],
    [jwt({ alg: 'HS512' }, { room: 'r', exp: now() + 60 }), 'r', /HS256/],
    [jwt({ alg: 'HS256' }, { room: 'r', exp: now() + 60, nbf: now() + 30 }), 'r', /not valid yet/],
    [`${good.split('.').slice(0, 2).join('.')}.`, 'r', /not signed/],
    [good.slice(0, -2), 'r', /not signed/],
    [`${good}.x`, 'r', /not a JWT/],
  ];
  for (const [token, room, reason] of refusals) {
    const check = verifyJoinToken(token, SECRET, room, now());
    assert.equal(check.ok, false, token);
    if (!check.ok) assert.match(check.reason, reason, token);
  }
  // alg "none" with the signature dropped: never trusted.
  const [, payload] = good.split('.');
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
  assert.equal(verifyJoinToken(none, SECRET, 'r', now()).ok, false);
});

test('with JOIN_SECRET set, joins without a valid token are refused with unauthorized', async (t) => {
  const url = await startServer(t, { joinSecret: SECRET });
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => connect(t, url)));
  const valid = signJoinToken({ room: 'guarded', exp: now() + 600 }, SECRET);
  const [header, claims, signature] = valid.split('.') as [string, string, string];
  const tampered = `${header}.${Buffer.from(JSON.stringify({ room: 'guarded', exp: now() + 10 ** 9 })).toString('base64url')}.${signature}`;
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['missing', {}, /needs a join token/],
    ['expired', { token: signJoinToken({ room: 'guarded', exp: now() - 5 }, SECRET) }, /expired/],
    ['wrong room', { token: signJoinToken({ room: 'another', exp: now() + 600 }, SECRET) }, /another room/],
    ['tampered', { token: tampered }, /not signed by this server/],
    [
      'bad signature',
      { token: `${header}.${claims}.${signature.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'))}` },
      /not signed/,
    ],
  ];
  for (const [what, extra, reason] of cases) {
    const answer = await request(a, 'join', { v: 1, room: 'guarded', ...extra });
    assert.equal(answer.ok, false, what);
    assert.equal(answer.error.code, 'unauthorized', what);
    assert.match(answer.error.message, reason, what);
  }
  assert.equal(await metric(url, 'rtc_call_joins_total{result="unauthorized"}'), cases.length);

  const ja = await request(a, 'join', { v: 1, room: 'guarded', token: valid });
  assert.equal(ja.ok, true);
  assert.equal((await request(b, 'join', { v: 1, room: 'guarded', token: valid })).ok, true);
  // With both seats taken, a stranger without a token learns nothing about the room.
  assert.equal((await request(c, 'join', { v: 1, room: 'guarded' })).error.code, 'unauthorized');
  // Without a token, even a made-up session adopts no seat.
  assert.equal(
    (await request(c, 'join', { v: 1, room: 'open-door', session: 'x'.repeat(32) })).error.code,
    'unauthorized',
  );

  // A seat's own session takes it back without a token (one that expired mid-call must not end it).
  a.close();
  const back = await connect(t, url);
  const again = await request(back, 'join', { v: 1, room: 'guarded', session: ja.session, resume: true });
  assert.equal(again.ok, true);
  assert.equal(again.self, ja.self);
});

test('npm run token prints a token the server accepts for that room only', async (t) => {
  const { stdout } = await promisify(execFile)(
    'npm',
    ['run', '--silent', 'token', '--', '--room', 'cli-room', '--ttl', '600'],
    {
      env: { ...process.env, JOIN_SECRET: SECRET },
    },
  );
  const token = stdout.trim();
  const check = verifyJoinToken(token, SECRET, 'cli-room', now());
  assert.equal(check.ok, true);
  if (check.ok) assert.ok(Math.abs(check.claims.exp - (now() + 600)) <= 5, 'exp is now + ttl');

  const url = await startServer(t, { joinSecret: SECRET });
  const a = await connect(t, url);
  assert.equal((await request(a, 'join', { v: 1, room: 'cli-room', token })).ok, true);
  const b = await connect(t, url);
  assert.equal((await request(b, 'join', { v: 1, room: 'other-room', token })).error.code, 'unauthorized');
});

test('npm run token refuses to run without JOIN_SECRET or with a bad room', async () => {
  // The script itself (npm run adds a second or two of start-up per call).
  const run = (env: NodeJS.ProcessEnv, args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
      env: { ...process.env, JOIN_SECRET: '', ...env },
    }).then(
      () => assert.fail('should have failed'),
      (error: { code: number; stderr: string }) => error,
    );
  assert.match((await run({}, ['--room', 'r'])).stderr, /JOIN_SECRET is not set/);
  assert.match((await run({ JOIN_SECRET: SECRET }, ['--room', 'bad room'])).stderr, /--room takes a room name/);
  assert.match((await run({ JOIN_SECRET: SECRET }, ['--room', 'r', '--ttl', 'soon'])).stderr, /--ttl takes a number/);
});
