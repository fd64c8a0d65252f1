import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { test, type TestContext } from 'node:test';
import { startCoturn, type Coturn } from '../support/coturn.js';
import { ipv6Bytes, turnSession, type TurnSession } from '../support/stun.js';
import { connect, request, startServer } from './helpers.js';

// The shipped deploy/turnserver.conf, run by the real coturn (Debian's 4.6.1) as shipped: the test
// replaces only what cannot run here, then asks for permissions (CreatePermission, RFC 8656 §9)
// on a real allocation. A permission only: no packet leaves the machine.

const SECRET = 'turn-secret-for-tests-0123456789';
const CONF = new URL('../../deploy/turnserver.conf', import.meta.url);
/** Shipped settings the test replaces: where coturn listens, its secret and realm, TLS files, syslog. */
const REPLACED = new Set([
  'listening-port',
  'tls-listening-port',
  'static-auth-secret',
  'realm',
  'cert',
  'pkey',
  'syslog',
]);
/** What the test writes instead: loopback addresses (an IPv6 relay on ::1), no TLS, files in a scratch folder. */
const ADDED = new Set([
  'listening-port',
  'listening-ip',
  'relay-ip',
  'static-auth-secret',
  'realm',
  'no-tls',
  'no-dtls',
  'no-rfc5780',
  'userdb',
  'pidfile',
  'log-file',
  'simple-log',
]);

const PUBLIC_V4 = ['8.8.8.8', '1.1.1.1', '9.9.9.9', '208.67.222.222', '151.101.1.69'];
const PUBLIC_V6 = ['2001:4860:4860::8888', '2606:4700:4700::1111', '2620:fe::fe', '2a00:1450:4001:82a::200e'];

/** Addresses a relay must never reach, by the kind of range they are in. */
const DENIED: Record<string, string[]> = {
  'private (RFC 1918, unique local, site-local)': [
    '10.0.0.1',
    '10.255.255.254',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.0.1',
    '192.168.255.254',
    'fc00::1',
    'fd12:3456:789a::1',
    'fec0::1',
  ],
  loopback: ['127.0.0.1', '127.255.255.254', '::1'],
  'link-local (cloud metadata)': ['169.254.169.254', '169.254.0.1', 'fe80::1', 'febf:ffff::1'],
  'CGNAT (RFC 6598)': ['100.64.0.1', '100.127.255.254'],
  multicast: ['224.0.0.1', '239.255.255.250', 'ff02::1', 'ff0e::fb'],
  'IPv4-mapped': ['::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::ffff:8.8.8.8', '::ffff:0.0.0.0'],
  'IPv4-translated and IPv4-compatible': ['::ffff:0:127.0.0.1', '::127.0.0.1', '::10.1.2.0', '::0.0.0.2'],
  'NAT64 (RFC 6052, RFC 8215)': ['64:ff9b::7f00:1', '64:ff9b::a00:1', '64:ff9b::808:808', '64:ff9b:1::1'],
  '6to4 and Teredo': ['2002:a00:1::1', '2002:7f00:1::1', '2001:0:4136:e378::1', '192.88.99.1'],
  'this network, reserved, broadcast': ['0.0.0.1', '0.255.255.255', '240.0.0.1', '255.255.255.255', '192.0.0.8'],
  'documentation, benchmarking, discard-only, SRv6': [
    '192.0.2.1',
    '198.51.100.1',
    '203.0.113.1',
    '198.18.0.1',
    '198.19.255.254',
    '2001:db8::1',
    '3fff::1',
    '100::1',
    '2001:2::1',
    '5f00::1',
  ],
};

/** Non-comment lines of a configuration, trimmed. */
function settings(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

const keyOf = (line: string): string => line.split('=')[0]!.trim();

/** An address as a number, so that ranges compare the way the file means them. */
function numeric(ip: string): bigint {
  if (isIPv6(ip)) return BigInt(`0x${ipv6Bytes(ip).toString('hex')}`);
  return ip.split('.').reduce((sum, part) => (sum << 8n) + BigInt(part), 0n);
}

function text(value: bigint, v6: boolean): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
  const hex = value.toString(16).padStart(32, '0');
  return hex.match(/.{4}/g)!.join(':');
}

interface Range {
  line: string;
  v6: boolean;
  first: bigint;
  last: bigint;
}

/** The `denied-peer-ip` ranges of a configuration, as numbers. */
function deniedRanges(conf: string): Range[] {
  return settings(conf)
    .filter((line) => keyOf(line) === 'denied-peer-ip')
    .map((line) => {
      const [first, last = first] = line.slice('denied-peer-ip='.length).split('-') as [string, string?];
      return { line, v6: isIPv6(first), first: numeric(first), last: numeric(last) };
    });
}

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

/** Peers coturn refuses whatever the file says: the zero address, loopback (no allow-loopback-peers), multicast (no-multicast-peers). */
function refusedByCoturn(value: bigint, v6: boolean): boolean {
  if (v6) return value === 0n || value === 1n || value >> 120n === 0xffn;
  return value === 0n || value >> 24n === 127n || value >> 24n >= 224n;
}

/** Whether the file, read as written (numeric ranges), denies this address. */
function deniedAsWritten(ranges: Range[], value: bigint, v6: boolean): boolean {
  return refusedByCoturn(value, v6) || ranges.some((r) => r.v6 === v6 && r.first <= value && value <= r.last);
}

/** Starts coturn with the shipped file and opens an IPv4 and an IPv6 allocation with server-minted credentials. */
async function shippedCoturn(
  t: TestContext,
): Promise<{ conf: string; coturn: Coturn; v4: TurnSession; v6: TurnSession }> {
  const conf = await readFile(CONF, 'utf8');
  const coturn = await startCoturn({ secret: SECRET, base: conf });
  t.after(() => coturn.stop());
  const url = await startServer(t, { turnUrls: [coturn.url], turnSecret: SECRET });
  const joined = await request(await connect(t, url), 'join', { v: 1, room: 'turnserver-conf' });
  const [turn] = joined.iceServers;
  const v4 = await turnSession(coturn.port, turn.username, turn.credential);
  t.after(() => v4.close());
  assert.equal(v4.allocation.ok, true, JSON.stringify(v4.allocation));
  // REQUESTED-ADDRESS-FAMILY IPv6: a relay on ::1, the only IPv6 address a test machine surely has.
  const v6 = await turnSession(coturn.port, turn.username, turn.credential, { family: 'ipv6' });
  t.after(() => v6.close());
  assert.equal(v6.allocation.ok, true, JSON.stringify(v6.allocation));
  return { conf, coturn, v4, v6 };
}

async function permission(sessions: { v4: TurnSession; v6: TurnSession }, ip: string): Promise<string> {
  const answer = await (isIPv6(ip) ? sessions.v6 : sessions.v4).createPermission(ip);
  return answer.ok ? 'allowed' : `${answer.code} ${answer.reason}`;
}

test('shipped turnserver.conf runs in coturn as shipped: only listening, secret, realm, TLS files and syslog replaced, every option valid, bandwidth and allocations capped', async (t) => {
  const { conf, coturn } = await shippedCoturn(t);
  const shipped = settings(conf);
  const running = settings(coturn.config);
  for (const line of shipped.filter((line) => !REPLACED.has(keyOf(line)))) {
    assert.ok(running.includes(line), `kept as shipped: ${line}`);
  }
  for (const line of running.filter((line) => !shipped.includes(line))) {
    assert.ok(ADDED.has(keyOf(line)), `only test-only settings added: ${line}`);
  }
  assert.ok(!running.includes('allow-loopback-peers'));
  for (const setting of ['max-bps', 'total-quota', 'user-quota', 'stale-nonce']) {
    assert.ok(
      shipped.some((line) => keyOf(line) === setting),
      `the shipped file sets ${setting}`,
    );
  }
  for (const flag of ['no-rfc5780', 'no-stun-backward-compatibility', 'response-origin-only-with-rfc5780']) {
    assert.ok(shipped.includes(flag), `the shipped file sets ${flag}`);
  }
  const log = await coturn.log();
  assert.doesNotMatch(log, /Bad configuration format/, 'coturn knows every option of the file');
  const maxBps = shipped.find((line) => keyOf(line) === 'max-bps')!.split('=')[1];
  assert.match(log, new RegExp(`${maxBps} bytes per second allowed per session`), 'max-bps is in force');
});

test('shipped turnserver.conf allows CreatePermission to public IPv4 and IPv6 peers', async (t) => {
  const sessions = await shippedCoturn(t);
  for (const ip of [...PUBLIC_V4, ...PUBLIC_V6]) {
    assert.equal(await permission(sessions, ip), 'allowed', ip);
  }
  // Right outside every denied range, the next address is a peer like any other (unless another
  // range or coturn's own rules take it): a range coturn reads wider than written shows here.
  const ranges = deniedRanges(sessions.conf);
  for (const range of ranges) {
    const max = range.v6 ? V6_MAX : V4_MAX;
    for (const value of [range.first - 1n, range.last + 1n]) {
      if (value < 0n || value > max || deniedAsWritten(ranges, value, range.v6)) continue;
      const ip = text(value, range.v6);
      assert.equal(await permission(sessions, ip), 'allowed', `${ip}, next to ${range.line}`);
    }
  }
});

test('shipped turnserver.conf refuses CreatePermission to every private, loopback, link-local, CGNAT, multicast, IPv4-mapped and NAT64 range', async (t) => {
  const sessions = await shippedCoturn(t);
  for (const [kind, addresses] of Object.entries(DENIED)) {
    for (const ip of addresses) {
      assert.equal(await permission(sessions, ip), '403 Forbidden IP', `${kind}: ${ip}`);
    }
  }
  // Every line of the file, at both ends and in the middle, as coturn reads it.
  for (const range of deniedRanges(sessions.conf)) {
    for (const value of [range.first, (range.first + range.last) / 2n, range.last]) {
      const ip = text(value, range.v6);
      assert.equal(await permission(sessions, ip), '403 Forbidden IP', `${ip} in ${range.line}`);
    }
  }
});
