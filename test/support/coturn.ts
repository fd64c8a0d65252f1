import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stunBinding } from './stun.js';

/** A coturn that a test started on its own port of 127.0.0.1. */
export interface Coturn {
  /** `turn:127.0.0.1:PORT?transport=udp`, for TURN_URLS. */
  url: string;
  port: number;
  /** Its `static-auth-secret`: the server's TURN_SECRET. */
  secret: string;
  /** Stops it and removes its temporary folder. */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port (every allocation is lost, as in a TURN restart). */
  restart(): Promise<void>;
  /** The configuration file it runs with, as written. */
  config: string;
  /** Everything it has printed and logged so far. */
  log(): Promise<string>;
}

/** Options of {@link startCoturn}. */
export interface CoturnOptions {
  /** coturn's `static-auth-secret`. */
  secret: string;
  /** How long to wait for it to answer STUN. */
  startTimeoutMs?: number;
  /**
   * A configuration to test (e.g. deploy/turnserver.conf): its lines are kept except where and how
   * coturn listens, which the test decides, and loopback peers stay denied.
   */
  base?: string;
}

// Settings of a base configuration that the test replaces: addresses, ports, secrets, files, TLS.
const REPLACED = new Set([
  'listening-port',
  'tls-listening-port',
  'listening-ip',
  'relay-ip',
  'external-ip',
  'static-auth-secret',
  'realm',
  'cert',
  'pkey',
  'syslog',
  'log-file',
  'userdb',
  'pidfile',
]);

const READY_TIMEOUT_MS = 10_000;

async function udpPortFree(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/**
 * A port free for both TCP and UDP on 127.0.0.1. coturn binds with SO_REUSEPORT and would share a
 * port with another coturn without a word; these probes bind without it, so a taken port shows.
 */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(address && typeof address !== 'string' ? address.port : 0);
      });
    });
    await new Promise((resolve) => server.close(resolve));
    if (port > 0 && (await udpPortFree(port))) return port;
  }
  throw new Error('no port free for both TCP and UDP on 127.0.0.1');
}

/** The test-only configuration: loopback only, REST credentials, nothing else listening. */
function testConfig(dir: string, port: number, secret: string, base?: string): string {
  const own = [
    `listening-port=${port}`,
    'listening-ip=127.0.0.1',
    'relay-ip=127.0.0.1',
    `static-auth-secret=${secret}`,
    'realm=rtc-call.test',
    'no-tls',
    'no-dtls',
    // No alternate port for RFC 5780: one port, the one probed free.
    'no-rfc5780',
    `userdb=${join(dir, 'turndb')}`,
    `pidfile=${join(dir, 'turnserver.pid')}`,
    `log-file=${join(dir, 'turnserver.log')}`,
    'simple-log',
  ];
  if (base !== undefined) {
    const kept = base
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#') && !REPLACED.has(line.split('=')[0]!.trim()));
    // An IPv6 relay address as well, so that IPv6 peers (and IPv4-mapped ones) can be tried.
    return [...kept, ...own, 'relay-ip=::1', ''].join('\n');
  }
  return [
    ...own,
    'use-auth-secret',
    'fingerprint',
    'no-cli',
    'no-multicast-peers',
    'no-software-attribute',
    // Test only: both peers and the relay live on 127.0.0.1. Never in production (deploy/turnserver.conf).
    'allow-loopback-peers',
    '',
  ].join('\n');
}

async function waitForStun(port: number, child: ChildProcess, timeoutMs: number, log: () => Promise<string>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`turnserver exited (${child.exitCode ?? child.signalCode}) at start:\n${await log()}`);
    }
    try {
      await stunBinding(port, 200);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`turnserver did not answer STUN on port ${port}:\n${await log()}`);
    }
  }
}

/**
 * Starts Debian's coturn (`turnserver`) on a free port of 127.0.0.1 with a test-only configuration
 * in a temporary folder, and resolves once it answers STUN. Never the system service on 3478.
 */
export async function startCoturn({ secret, startTimeoutMs = READY_TIMEOUT_MS, base }: CoturnOptions): Promise<Coturn> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-coturn-'));
  const port = await freePort();
  const configPath = join(dir, 'turnserver.conf');
  const config = testConfig(dir, port, secret, base);
  await writeFile(configPath, config);
  let output = '';
  let child: ChildProcess | null = null;
  const fullLog = async (): Promise<string> => {
    const file = await readFile(join(dir, 'turnserver.log'), 'utf8').catch(() => '');
    return `${output}\n${file}`.trim();
  };
  const log = async (): Promise<string> => (await fullLog()).split('\n').slice(-30).join('\n');

  const launch = async (): Promise<void> => {
    const started = spawn('turnserver', ['-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    started.stdout.on('data', keep);
    started.stderr.on('data', keep);
    const spawnFailed = new Promise<never>((_, reject) =>
      started.once('error', (error) =>
        reject(new Error(`cannot run turnserver (apt-get install coturn): ${error.message}`)),
      ),
    );
    await Promise.race([waitForStun(port, started, startTimeoutMs, log), spawnFailed]);
  };

  const halt = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await launch();
  } catch (error) {
    await halt();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    port,
    secret,
    config,
    log: fullLog,
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await halt();
      await launch();
    },
  };
}
