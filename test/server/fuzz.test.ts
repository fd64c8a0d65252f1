import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import type { Socket } from 'socket.io-client';
import { SIGNALING_ERROR_CODES } from '../../src/protocol/errors.js';
import { ROOM_PATTERN, SESSION_PATTERN } from '../../src/protocol/signaling.js';
import { CANDIDATE, OFFER, RawClient, connect, metric, next, record, request } from './helpers.js';

// Sends well over 10,000 generated malformed messages over every event to a server running in a
// process of its own. The process must never die, every acknowledgement must be a protocol error,
// and no room may change.

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const GENERATED = 20_000;
const RAW = 400;

/** mulberry32: a small seeded generator, so that a failure can be replayed with FUZZ_SEED. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const random = generator(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (max: number): number => Math.floor(random() * max);

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = random() < 0.5 ? [value] : { a: value };
  return value;
}

function protoObject(): Record<string, unknown> {
  return JSON.parse(
    pick(['{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"__proto__":null}']),
  );
}

/** Values of every JSON type, and some that are not JSON at all; none is valid where a field expects one. */
function junk(): unknown {
  switch (int(14)) {
    case 0:
      return null;
    case 1:
      return pick([0, -1, 1.5, 2 ** 53, -0, 1e308, 2]);
    case 2:
      return pick([true, false]);
    case 3:
      return [];
    case 4:
      return [pick(['a', 1, null])];
    case 5:
      return {};
    case 6:
      return nested(2 + int(30));
    case 7:
      return 'x'.repeat(int(4) === 0 ? 40_000 : 70);
    case 8:
      return protoObject();
    case 9:
      return Buffer.from([0, 1, 2, int(256)]);
    case 10:
      return pick(['', ' ', '\u0000', '../..', '<script>', 'ünïcødé', '\ud800', 'room name']);
    case 11:
      return { toString: 'x', valueOf: 1 };
    case 12:
      return nested(3 + int(5), 'v=0');
    default:
      return new Array(20).fill(0);
  }
}

/** Junk that is certainly not valid: `isValid` tells what the field would accept. */
function junkExcept(isValid: (value: unknown) => boolean): unknown {
  for (;;) {
    const value = junk();
    if (!isValid(value)) return value;
  }
}

const isString = (max: number) => (value: unknown) => typeof value === 'string' && Buffer.byteLength(value) <= max;

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'extra', 'from', 'ok', ''];

/** Adds a key no schema allows (JSON.parse would make `__proto__` an own key; so does this). */
function withExtraKey(value: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...value };
  const key = pick(EXTRA_KEYS);
  // socket.io-client moves binary data out of a payload by copying it key by key, and a copied
  // `__proto__` key sets the copy's prototype instead: the key (and the error) never leaves the
  // client. The raw frames below send that case as it would arrive from a hostile client.
  const extra = key === '__proto__' ? junkExcept((junkValue) => Buffer.isBuffer(junkValue)) : junk();
  Object.defineProperty(copy, key, {
    value: extra,
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return copy;
}

const validRoom = (value: unknown): boolean => typeof value === 'string' && ROOM_PATTERN.test(value);
const validSession = (value: unknown): boolean => typeof value === 'string' && SESSION_PATTERN.test(value);
const invalidRooms = (): unknown =>
  pick([
    junkExcept(validRoom),
    '',
    'a'.repeat(65 + int(100)),
    'has space',
    'slash/room',
    'dot.room',
    'ünï',
    'room:x',
    'a\u0000b',
  ]);
const invalidSessions = (): unknown =>
  pick([junkExcept(validSession), 'short', 'x'.repeat(65), 'bad session with spaces ok', '!'.repeat(32)]);

function badJoin(): unknown {
  const base: Record<string, unknown> = { v: 1, room: 'fuzz-target' };
  switch (int(9)) {
    case 0:
      return junk() ?? 'x';
    case 1:
      return { ...base, v: pick([0, 2, '1', null, true, [1], { v: 1 }, 1.0000001]) };
    case 2:
      return { ...base, room: invalidRooms() };
    case 3:
      return { ...base, token: pick([junkExcept(isString(4096)), 't'.repeat(4097 + int(1000))]) };
    case 4:
      return { ...base, session: invalidSessions() };
    case 5:
      return { ...base, resume: pick([junkExcept((value) => typeof value === 'boolean'), 'true', 1, 0]) };
    case 6:
      return withExtraKey(base);
    case 7:
      return { room: 'fuzz-target' }; // no version
    default:
      return { v: 1 }; // no room
  }
}

function badDescription(): unknown {
  const base: Record<string, unknown> = { type: 'offer', sdp: OFFER.sdp };
  switch (int(6)) {
    case 0:
      return junk() ?? 'x';
    case 1:
      return { ...base, type: pick([junk(), 'OFFER', 'bogus', ''] as unknown[]) };
    case 2:
      return { ...base, sdp: pick([junk(), 'no sdp here', `v=0${'x'.repeat(33 * 1024)}`] as unknown[]) };
    case 3:
      return withExtraKey(base);
    case 4:
      return { type: 'answer' };
    default:
      return { sdp: OFFER.sdp };
  }
}

function badCandidate(): unknown {
  const base: Record<string, unknown> = { ...CANDIDATE };
  switch (int(8)) {
    case 0:
      return pick([junk(), 'candidate:1 1 udp 1 127.0.0.1 1 typ host', 0, []] as unknown[]) ?? 5;
    case 1:
      return { ...base, candidate: pick([junkExcept(isString(1024)), 'c'.repeat(1025 + int(3000))]) };
    case 2:
      return { ...base, sdpMid: pick([junkExcept((value) => value === null || isString(64)(value)), 'm'.repeat(65)]) };
    case 3:
      return { ...base, sdpMLineIndex: pick([-1, 1.5, 1024, 2 ** 40, '0', true, [], {}]) };
    case 4:
      return { ...base, usernameFragment: pick([5, true, [], {}, 'u'.repeat(257)]) };
    case 5:
      return { ...base, sdpMid: null, sdpMLineIndex: null };
    case 6:
      return withExtraKey(base);
    default:
      return {};
  }
}

function badSignal(): unknown {
  switch (int(6)) {
    case 0:
      return junk() ?? 'x';
    case 1:
      return { description: badDescription() };
    case 2:
      return { candidate: badCandidate() };
    case 3:
      return { description: OFFER, candidate: CANDIDATE };
    case 4:
      return withExtraKey({ candidate: null });
    default:
      return {};
  }
}

function badEmpty(): unknown {
  // `{}` and nothing at all are valid for leave and ice-servers: everything else is not.
  const empty = (value: unknown): boolean =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !Buffer.isBuffer(value) &&
    Object.keys(value).length === 0;
  return pick([withExtraKey({}), junkExcept(empty), { room: 'x' }, [], 'x', 0, null]);
}

const EVENTS = ['join', 'signal', 'ice-servers', 'leave'] as const;

function malformed(): [string, unknown] {
  const event = pick(EVENTS);
  const payload = event === 'join' ? badJoin() : event === 'signal' ? badSignal() : badEmpty();
  return [event, random() < 0.05 ? [payload] : payload];
}

/** Raw socket.io frames no client library would send: deep nesting past JSON.stringify's stack. */
function rawFrame(): [string, string] {
  const event = pick(EVENTS);
  // As deep as fits in maxHttpBufferSize (64 KiB): 2 bytes a level for arrays, 6 for objects.
  const deep =
    random() < 0.5
      ? ((depth) => '['.repeat(depth) + ']'.repeat(depth))(pick([1000, 10_000, 30_000]))
      : ((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth))(pick([1000, 10_000]));
  switch (int(4)) {
    case 0:
      return [event, deep];
    case 1:
      return [event, `{"v":1,"room":${deep}}`];
    case 2:
      return [event, `{"description":{"type":"offer","sdp":${deep}}}`];
    default:
      return [event, `{"candidate":${deep},"__proto__":{"x":1}}`];
  }
}

/** Frames that break socket.io itself; the server must drop that connection and nothing else. */
const BROKEN_FRAMES = [
  '42[',
  '42["join"',
  '42{"v":1}',
  '42["disconnect"]',
  '42["connect",{}]',
  '42[null,{}]',
  '42[{},{}]',
  '4',
  '49',
  '451-["join",{"_placeholder":true,"num":5}]',
  '45999999999999-["join",{}]',
  '4299999999999999999999["join",{}]',
  '6',
  'x',
  '',
];

async function startServerProcess(
  t: TestContext,
): Promise<{ url: string; alive: () => boolean; stderr: () => string }> {
  // Rate limits are shown elsewhere (limits.test.ts); here every malformed message must be validated.
  const options = { limits: { burst: 1e9, perSecond: 1e9 } };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/server-process.ts', JSON.stringify(options)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /listening (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return { url, alive: () => child.exitCode === null && child.signalCode === null, stderr: () => stderr + output };
}

function assertProtocolError(answer: unknown, what: string): void {
  const context = `${what} (FUZZ_SEED=${SEED})`;
  assert.ok(answer && typeof answer === 'object', context);
  const { ok, error, ...rest } = answer as { ok: unknown; error: { code: string; message: string } };
  assert.equal(ok, false, context);
  assert.deepEqual(rest, {}, context);
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message'], context);
  assert.ok((SIGNALING_ERROR_CODES as readonly string[]).includes(error.code), context);
  assert.notEqual(error.code, 'internal', `no handler threw: ${context}`);
  assert.ok(typeof error.message === 'string' && error.message.length > 10, context);
}

function describe(event: string, payload: unknown): string {
  try {
    return `${event} ${JSON.stringify(payload, (_key, value: unknown) => (Buffer.isBuffer(value) ? '<binary>' : value))?.slice(0, 160)}`;
  } catch {
    return `${event} <unprintable>`;
  }
}

test(`fuzz: ${GENERATED + RAW}+ malformed messages over every event; the server survives and no room changes`, async (t) => {
  const server = await startServerProcess(t);
  const { url } = server;

  // The rooms that must come out of this unchanged: a call in progress, and the attackers' own.
  const [a, b, fuzzerA, fuzzerB] = await Promise.all([1, 2, 3, 4].map(() => connect(t, url)));
  const ja = await request(a, 'join', { v: 1, room: 'fuzz-home' });
  const jb = await request(b, 'join', { v: 1, room: 'fuzz-home' });
  await request(fuzzerA, 'join', { v: 1, room: 'fuzz-lair' });
  await request(fuzzerB, 'join', { v: 1, room: 'fuzz-lair' });
  const raw = await RawClient.open(t, url);
  assert.equal((await raw.emit('join', '{"v":1,"room":"fuzz-raw"}')).ok, true);
  const heard = [a, b, fuzzerA, fuzzerB].flatMap((socket: Socket) =>
    ['peer-join', 'peer-leave', 'signal', 'server-shutdown'].map((event) => record(socket, event)),
  );
  const joinsBefore = await metric(url, 'rtc_call_joins_total{result="ok"}');

  // 1. Generated payloads through socket.io-client (JSON and binary), many in flight at once.
  const fuzzers = [fuzzerA, fuzzerB];
  let sent = 0;
  while (sent < GENERATED) {
    const batch = Array.from({ length: Math.min(250, GENERATED - sent) }, (_, i) => {
      const [event, payload] = malformed();
      const socket = fuzzers[(sent + i) % 2]!;
      return socket
        .timeout(10_000)
        .emitWithAck(event, payload)
        .then((answer: unknown) => assertProtocolError(answer, describe(event, payload)));
    });
    await Promise.all(batch);
    sent += batch.length;
  }

  // 2. Raw frames nested up to 20,000 deep (and `__proto__` keys) that no client library would encode.
  for (let i = 0; i < RAW; i += 1) {
    const [event, text] = rawFrame();
    assertProtocolError(await raw.emit(event, text), `${event} raw ${text.slice(0, 40)}…`);
  }

  // Binary attachments whose placeholders sit under `__proto__`: socket.io-parser assigns them back
  // with `obj[key] =`, which sets the prototype of the object the handler receives.
  const binaryFrames: Array<[string, string]> = [
    ['signal', '{"candidate":null,"__proto__":{"_placeholder":true,"num":0}}'],
    ['join', '{"v":1,"room":"fuzz-lair","__proto__":{"_placeholder":true,"num":0}}'],
    ['leave', '{"__proto__":{"_placeholder":true,"num":0}}'],
    ['ice-servers', '{"__proto__":{"_placeholder":true,"num":0}}'],
    ['signal', '{"description":{"type":"offer","sdp":{"_placeholder":true,"num":0}}}'],
    ['join', '{"_placeholder":true,"num":0}'],
  ];
  for (const [event, text] of binaryFrames) {
    assertProtocolError(await raw.emitBinary(event, text, [Buffer.from('v=0 binary')]), `${event} binary ${text}`);
  }

  // 3. Frames that break socket.io's own framing: that connection is dropped, the server goes on.
  for (const frame of BROKEN_FRAMES) {
    const victim = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    t.after(() => victim.terminate());
    await once(victim, 'message'); // engine.io open
    victim.send('40');
    await once(victim, 'message'); // socket.io connect
    const closed = once(victim, 'close');
    victim.send(frame);
    victim.send('42["no-such-event"]'); // the server may or may not still listen: either is fine
    victim.close();
    await closed;
  }

  assert.ok(server.alive(), `the server process is alive (FUZZ_SEED=${SEED})\n${server.stderr()}`);
  assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true });
  assert.doesNotMatch(server.stderr(), /handler failed|inbound event failed|queued task failed/);

  // Room state is unchanged: no notice reached anyone, no join succeeded, seats are where they were.
  assert.deepEqual(
    heard.map((events) => events.length),
    heard.map(() => 0),
  );
  assert.equal(await metric(url, 'rtc_call_joins_total{result="ok"}'), joinsBefore);
  assert.equal(await metric(url, 'rtc_call_rooms'), 3);
  const stranger = await connect(t, url);
  assert.equal((await request(stranger, 'join', { v: 1, room: 'fuzz-home' })).error.code, 'room-full');
  assert.equal((await request(stranger, 'join', { v: 1, room: 'fuzz-lair' })).error.code, 'room-full');
  const atB = next(b, 'signal');
  assert.deepEqual(await request(a, 'signal', { description: OFFER }), { ok: true });
  assert.deepEqual(await atB, { from: ja.self, description: OFFER });
  const atA = next(a, 'signal');
  await request(b, 'signal', { candidate: null });
  assert.deepEqual(await atA, { from: jb.self, candidate: null });
});
