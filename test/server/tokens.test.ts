import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import {
  CompactSign,
  FlattenedSign,
  SignJWT,
  UnsecuredJWT,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  type CompactJWSHeaderParameters,
  type SignOptions,
} from 'jose';
import { ConfigError, DEFAULT_CONFIG, configFromEnv } from '../../server/config.js';
import { DEFAULT_JOIN_TOKEN_RULES, signJoinToken, verifyJoinToken } from '../../server/lib/tokens.js';
import type { AppOptions } from '../../server/app.js';
import { connect, metric, request, startServer } from './helpers.js';

const SECRET = 'join-secret-for-tests-0123456789';
const KEY = new TextEncoder().encode(SECRET);
const now = (): number => Math.floor(Date.now() / 1000);

/**
 * A JWS over the exact claims text given, so that tests can make the tokens signJoinToken never
 * would (a string `nbf`, `exp: 1e400`, an unknown `crit`); jose signs it, nothing is hand-made.
 */
async function jws(
  claims: object | string,
  header: CompactJWSHeaderParameters = { alg: 'HS256', typ: 'JWT' },
  key: Parameters<CompactSign['sign']>[0] = KEY,
  options?: SignOptions,
): Promise<string> {
  const text = typeof claims === 'string' ? claims : JSON.stringify(claims);
  return new CompactSign(new TextEncoder().encode(text)).setProtectedHeader(header).sign(key, options);
}

/** A server that requires join tokens, with `options` on top. */
function guardedServer(t: TestContext, options: AppOptions = {}): Promise<string> {
  return startServer(t, { joinSecret: SECRET, ...options });
}

/** The answer to a join of `room` with `token`, from a socket of its own (no seat, no bucket shared). */
async function joinWith(t: TestContext, url: string, token: string, room = 'guarded'): Promise<Record<string, any>> {
  return request(await connect(t, url), 'join', { v: 1, room, token });
}

/** Asserts that the server refused `token` with `unauthorized` and a reason matching `reason`. */
async function assertRefused(t: TestContext, url: string, token: string, reason: RegExp, what: string): Promise<void> {
  const answer = await joinWith(t, url, token);
  assert.equal(answer.ok, false, `${what}: should be refused`);
  assert.equal(answer.error.code, 'unauthorized', what);
  assert.match(answer.error.message, reason, what);
}

/** Asserts that the server seated a join with `token`. */
async function assertAccepted(t: TestContext, url: string, token: string, what: string): Promise<void> {
  const answer = await joinWith(t, url, token);
  assert.equal(answer.ok, true, `${what}: ${JSON.stringify(answer.error)}`);
}

test('verifyJoinToken accepts a good token and says why it refuses the others', async () => {
  const exp = now() + 60;
  const good = await signJoinToken({ room: 'r', exp }, SECRET);
  assert.deepEqual(await verifyJoinToken(good, SECRET, 'r'), { ok: true, claims: { room: 'r', exp } });
  // Interoperable with any HS256 library: jose's own verification reads it as a plain JWT.
  const { payload, protectedHeader } = await jwtVerify(good, KEY, { algorithms: ['HS256'] });
  assert.deepEqual(protectedHeader, { alg: 'HS256', typ: 'JWT' });
  assert.deepEqual(Object.keys(payload).sort(), ['exp', 'iat', 'room']);

  const refusals: Array<[string, string, RegExp]> = [
    ['not a jwt', 'r', /not a JWT/],
    [await signJoinToken({ room: 'r', exp: now() - 60 }, SECRET), 'r', /expired/],
    [await signJoinToken({ room: 'other', exp: now() + 60 }, SECRET), 'r', /another room/],
    [
      await signJoinToken({ room: 'r', exp: now() + 60 }, 'another-secret-0123456789'),
      'r',
      /not signed by this server/,
    ],
    [await jws({ room: 'r' }), 'r', /no expiry/],
    [await jws({ room: 'r', exp: `${now() + 60}` }), 'r', /no expiry/],
    [await jws({ room: 'r', exp: now() + 60, nbf: now() + 3600 }), 'r', /not valid yet/],
    [await jws('["r"]'), 'r', /malformed: JWT Claims Set must be a top-level JSON object/],
    [`${good.split('.').slice(0, 2).join('.')}.`, 'r', /not signed/],
    [good.slice(0, -2), 'r', /not a JWT|not signed/],
    [`${good}.x`, 'r', /not a JWT/],
  ];
  for (const [token, room, reason] of refusals) {
    const check = await verifyJoinToken(token, SECRET, room);
    assert.equal(check.ok, false, token);
    if (!check.ok) assert.match(check.reason, reason, token);
  }
});

test('with JOIN_SECRET set, joins without a valid token are refused with unauthorized', async (t) => {
  const url = await guardedServer(t);
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => connect(t, url)));
  const valid = await signJoinToken({ room: 'guarded', exp: now() + 600 }, SECRET);
  const [header, claims, signature] = valid.split('.') as [string, string, string];
  const tampered = `${header}.${Buffer.from(JSON.stringify({ room: 'guarded', exp: now() + 10 ** 9 })).toString('base64url')}.${signature}`;
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['missing', {}, /needs a join token/],
    ['expired', { token: await signJoinToken({ room: 'guarded', exp: now() - 60 }, SECRET) }, /expired/],
    ['wrong room', { token: await signJoinToken({ room: 'another', exp: now() + 600 }, SECRET) }, /another room/],
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

test('a join token with a string nbf is refused', async (t) => {
  const url = await guardedServer(t);
  const exp = now() + 600;
  // A not-before an hour away, written as a string: the old check skipped it as "not a number".
  await assertRefused(
    t,
    url,
    await jws({ room: 'guarded', exp, nbf: `${now() + 3600}` }),
    /"nbf" is not a number/,
    'nbf',
  );
  await assertRefused(t, url, await jws({ room: 'guarded', exp, iat: 'yesterday' }), /"iat" is not a number/, 'iat');
  await assertAccepted(t, url, await jws({ room: 'guarded', exp, nbf: now() - 60 }), 'a numeric nbf in the past');
});

test('a join token with exp far beyond the maximum lifetime is refused', async (t) => {
  const url = await guardedServer(t);
  const tooLong = /valid for too long: its "exp" is more than 86400 s \(JOIN_TOKEN_MAX_LIFETIME\)/;
  await assertRefused(t, url, await jws({ room: 'guarded', exp: 1e308 }), tooLong, 'exp 1e308');
  // JSON.parse reads 1e400 as Infinity, which compares as "in the future" with anything.
  await assertRefused(t, url, await jws('{"room":"guarded","exp":1e400}'), tooLong, 'exp 1e400');
  await assertRefused(t, url, await jws({ room: 'guarded', exp: now() + 25 * 3600 }), tooLong, '25 hours');
  await assertAccepted(t, url, await jws({ room: 'guarded', exp: now() + 23 * 3600 }), '23 hours');

  const short = await guardedServer(t, { joinTokenMaxLifetime: 600 });
  await assertRefused(
    t,
    short,
    await jws({ room: 'guarded', exp: now() + 3600 }),
    /more than 600 s/,
    'an hour, cap 600 s',
  );
  await assertAccepted(t, short, await jws({ room: 'guarded', exp: now() + 300 }), '5 minutes, cap 600 s');
});

test('a join token with an unknown crit header is refused', async (t) => {
  const url = await guardedServer(t);
  const claims = { room: 'guarded', exp: now() + 600 };
  // RFC 7515 §4.1.11: an extension the recipient does not implement makes the token invalid.
  const unknown = await jws(claims, { alg: 'HS256', crit: ['x-must-check'], 'x-must-check': true }, KEY, {
    crit: { 'x-must-check': true },
  });
  assert.deepEqual(decodeProtectedHeader(unknown).crit, ['x-must-check']);
  await assertRefused(t, url, unknown, /unsupported extension: Extension Header Parameter "x-must-check"/, 'crit');
  // b64: false (RFC 7797) is an extension jose knows, but a JWT must not use it. Its payload is
  // the raw text: JSON is not even base64url, and a payload that happens to be is refused by jose.
  for (const [payload, reason] of [
    [JSON.stringify(claims), /not a JWT/],
    ['abc', /malformed: JWTs MUST NOT use unencoded payload/],
  ] as const) {
    const flat = await new FlattenedSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: 'HS256', crit: ['b64'], b64: false })
      .sign(KEY);
    await assertRefused(t, url, `${flat.protected}.${payload}.${flat.signature}`, reason, `b64 false, ${payload}`);
  }
});

test('a join token with a re-encoded (malleable) signature is refused', async (t) => {
  const url = await guardedServer(t);
  const token = await signJoinToken({ room: 'guarded', exp: now() + 600 }, SECRET);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  // 32 bytes take 43 base64url characters whose last one carries 2 unused bits: flipping one of
  // them spells the same signature differently.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const flipped = `${signature.slice(0, -1)}${alphabet[alphabet.indexOf(signature.at(-1)!) ^ 1]}`;
  assert.notEqual(flipped, signature);
  assert.deepEqual(Buffer.from(flipped, 'base64url'), Buffer.from(signature, 'base64url'), 'the same bytes');
  const variants: Array<[string, string]> = [
    ['unused bits set', flipped],
    ['padded', `${signature}=`],
    ['with white space', `${signature.slice(0, 20)} ${signature.slice(20)}`],
  ];
  for (const [what, variant] of variants) {
    await assertRefused(
      t,
      url,
      `${header}.${payload}.${variant}`,
      /not a JWT \(three parts of unpadded, canonical base64url\)/,
      what,
    );
  }
  await assertAccepted(t, url, token, 'the canonical spelling');
});

test('a join token expired within the leeway is accepted, past it refused', async (t) => {
  const url = await guardedServer(t);
  assert.equal(DEFAULT_CONFIG.joinTokenLeeway, 30);
  await assertAccepted(t, url, await jws({ room: 'guarded', exp: now() - 10 }), 'expired 10 s ago, leeway 30 s');
  await assertRefused(t, url, await jws({ room: 'guarded', exp: now() - 60 }), /expired/, 'expired 60 s ago');
  // The same leeway for a clock running ahead at the issuer.
  await assertAccepted(t, url, await jws({ room: 'guarded', exp: now() + 600, nbf: now() + 10 }), 'nbf in 10 s');
  await assertRefused(
    t,
    url,
    await jws({ room: 'guarded', exp: now() + 600, nbf: now() + 60 }),
    /not valid yet/,
    'nbf in 60 s',
  );

  const strict = await guardedServer(t, { joinTokenLeeway: 0 });
  await assertRefused(
    t,
    strict,
    await jws({ room: 'guarded', exp: now() - 10 }),
    /expired/,
    'expired 10 s ago, no leeway',
  );
});

test('aud/iss are checked when configured', async (t) => {
  const url = await guardedServer(t, {
    joinAudience: ['https://calls.example.com'],
    joinIssuer: ['https://app.example.com', 'https://admin.example.com'],
  });
  const base = { room: 'guarded', exp: now() + 600 };
  const aud = 'https://calls.example.com';
  const iss = 'https://app.example.com';
  await assertRefused(
    t,
    url,
    await jws({ ...base, iss }),
    /not meant for this server: its "aud" claim names none of JOIN_AUDIENCE/,
    'no aud',
  );
  await assertRefused(t, url, await jws({ ...base, iss, aud: 'https://other.example' }), /JOIN_AUDIENCE/, 'other aud');
  await assertRefused(
    t,
    url,
    await jws({ ...base, aud }),
    /not issued by a trusted issuer: its "iss" claim is none of JOIN_ISSUER/,
    'no iss',
  );
  await assertRefused(t, url, await jws({ ...base, aud, iss: 'https://evil.example' }), /JOIN_ISSUER/, 'other iss');
  await assertAccepted(t, url, await jws({ ...base, aud, iss }), 'aud and iss');
  await assertAccepted(
    t,
    url,
    await jws({ ...base, aud: ['https://x.example', aud], iss: 'https://admin.example.com' }),
    'aud list, second issuer',
  );

  // Unconfigured: iss is not looked at, but a token naming an audience is meant for someone else.
  const open = await guardedServer(t);
  await assertAccepted(t, open, await jws({ ...base, iss }), 'iss, no JOIN_ISSUER');
  await assertRefused(
    t,
    open,
    await jws({ ...base, aud }),
    /names an audience \("aud"\) but this server has none: set JOIN_AUDIENCE/,
    'aud, no JOIN_AUDIENCE',
  );
});

test('a join token signed with alg none, HS512 or RS256 is refused', async (t) => {
  const url = await guardedServer(t);
  const claims = { room: 'guarded', exp: now() + 600 };
  const none = new UnsecuredJWT(claims).encode();
  assert.equal(decodeProtectedHeader(none).alg, 'none');
  const { privateKey } = await generateKeyPair('RS256');
  const tokens: Array<[string, string]> = [
    ['none', none],
    ['none, with the HS256 signature kept', `${none.slice(0, -1)}.${(await jws(claims)).split('.')[2]}`],
    ['HS512 with the same secret', await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(KEY)],
    ['RS256', await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)],
  ];
  for (const [what, token] of tokens) {
    await assertRefused(t, url, token, /must be signed with HS256/, what);
  }
});

test('JOIN_AUDIENCE, JOIN_ISSUER, JOIN_TOKEN_MAX_LIFETIME and JOIN_TOKEN_LEEWAY are read, checked and need JOIN_SECRET', () => {
  assert.deepEqual(
    {
      audience: DEFAULT_CONFIG.joinAudience,
      issuer: DEFAULT_CONFIG.joinIssuer,
      maxLifetime: DEFAULT_CONFIG.joinTokenMaxLifetime,
      leeway: DEFAULT_CONFIG.joinTokenLeeway,
    },
    DEFAULT_JOIN_TOKEN_RULES,
  );
  const config = configFromEnv({
    JOIN_SECRET: SECRET,
    JOIN_AUDIENCE: 'https://calls.example.com',
    JOIN_ISSUER: 'https://app.example.com, https://admin.example.com',
    JOIN_TOKEN_MAX_LIFETIME: '600',
    JOIN_TOKEN_LEEWAY: '0',
  });
  assert.deepEqual(config.joinAudience, ['https://calls.example.com']);
  assert.deepEqual(config.joinIssuer, ['https://app.example.com', 'https://admin.example.com']);
  assert.equal(config.joinTokenMaxLifetime, 600);
  assert.equal(config.joinTokenLeeway, 0);

  const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ JOIN_AUDIENCE: 'https://calls.example.com' }, /^JOIN_AUDIENCE is set but JOIN_SECRET is not/],
    [{ JOIN_ISSUER: 'https://app.example.com' }, /^JOIN_ISSUER is set but JOIN_SECRET is not/],
    [{ JOIN_TOKEN_MAX_LIFETIME: '600' }, /^JOIN_TOKEN_MAX_LIFETIME is set but JOIN_SECRET is not/],
    [{ JOIN_TOKEN_LEEWAY: '5' }, /^JOIN_TOKEN_LEEWAY is set but JOIN_SECRET is not/],
    [
      { JOIN_SECRET: SECRET, JOIN_TOKEN_MAX_LIFETIME: '1e9' },
      /^JOIN_TOKEN_MAX_LIFETIME must be an integer from 60 to 2592000/,
    ],
    [{ JOIN_SECRET: SECRET, JOIN_TOKEN_MAX_LIFETIME: '10' }, /^JOIN_TOKEN_MAX_LIFETIME must be an integer from 60/],
    [{ JOIN_SECRET: SECRET, JOIN_TOKEN_LEEWAY: '-1' }, /^JOIN_TOKEN_LEEWAY must be an integer from 0 to 300/],
    [{ JOIN_SECRET: SECRET, JOIN_TOKEN_LEEWAY: '3600' }, /^JOIN_TOKEN_LEEWAY must be an integer from 0 to 300/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => configFromEnv(env),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
      JSON.stringify(env),
    );
  }
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
  const check = await verifyJoinToken(token, SECRET, 'cli-room');
  assert.equal(check.ok, true);
  if (check.ok) assert.ok(Math.abs(check.claims.exp - (now() + 600)) <= 5, 'exp is now + ttl');
  const { iat, exp } = decodeJwt(token);
  assert.equal(exp, (iat ?? 0) + 600, 'iat is when it was made');

  const url = await guardedServer(t);
  const a = await connect(t, url);
  assert.equal((await request(a, 'join', { v: 1, room: 'cli-room', token })).ok, true);
  const b = await connect(t, url);
  assert.equal((await request(b, 'join', { v: 1, room: 'other-room', token })).error.code, 'unauthorized');
});

/** Runs scripts/token.ts itself (npm run adds a second or two of start-up per call). */
function runTokenScript(env: NodeJS.ProcessEnv, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
    env: { ...process.env, JOIN_SECRET: '', ...env },
  });
}

test('npm run token refuses to run without JOIN_SECRET or with a bad room', async () => {
  const run = (env: NodeJS.ProcessEnv, args: string[]) =>
    runTokenScript(env, args).then(
      () => assert.fail('should have failed'),
      (error: { code: number; stderr: string }) => error,
    );
  assert.match((await run({}, ['--room', 'r'])).stderr, /JOIN_SECRET is not set/);
  assert.match((await run({ JOIN_SECRET: 'short' }, ['--room', 'r'])).stderr, /JOIN_SECRET must be at least 16/);
  assert.match((await run({ JOIN_SECRET: SECRET }, ['--room', 'bad room'])).stderr, /--room takes a room name/);
  assert.match((await run({ JOIN_SECRET: SECRET }, ['--room', 'r', '--ttl', 'soon'])).stderr, /--ttl takes a number/);
  assert.match(
    (await run({ JOIN_SECRET: SECRET }, ['--room', 'r', '--ttl', '90000'])).stderr,
    /--ttl 90000 is longer than JOIN_TOKEN_MAX_LIFETIME \(86400 s\)/,
  );
});

test('npm run token carries JOIN_AUDIENCE and JOIN_ISSUER, and the server so configured accepts it', async (t) => {
  const env = {
    JOIN_SECRET: SECRET,
    JOIN_AUDIENCE: 'https://calls.example.com',
    JOIN_ISSUER: 'https://app.example.com',
    JOIN_TOKEN_MAX_LIFETIME: '600',
  };
  const { stdout } = await runTokenScript(env, ['--room', 'guarded', '--ttl', '600']);
  const token = stdout.trim();
  const claims = decodeJwt(token);
  assert.equal(claims.aud, 'https://calls.example.com');
  assert.equal(claims.iss, 'https://app.example.com');
  const url = await startServer(t, { ...configFromEnv(env), logLevel: false });
  await assertAccepted(t, url, token, 'the CLI token');
});
