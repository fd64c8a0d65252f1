import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How {@link startRedis} starts redis-server beyond its defaults. */
export interface RedisSetup {
  /** More command-line options (each `--name value…` is a line of redis.conf), e.g. an ACL user. */
  args?: string[];
  /** Speak TLS only (no plain port) with this certificate and key (PEM files); clients are not asked for one. */
  tls?: { cert: string; key: string };
}

/** A redis-server that a test started on its own port of 127.0.0.1, without persistence. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT` (`rediss://` with TLS), for REDIS_URL. */
  url: string;
  port: number;
  /** The running process (null while stopped). */
  readonly process: ChildProcess | null;
  /** Stops it (SIGKILL: Redis vanishes as in a crash); every key is lost. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence: as after a restart without a dump). */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers, as when Redis hangs. */
  pause(): void;
  /** SIGCONT: it answers again, every key still there. */
  resume(): void;
}

const READY_TIMEOUT_MS = 10_000;

/** A free TCP port of 127.0.0.1 (never 6379: a Debian redis may be running there). */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(address && typeof address !== 'string' ? address.port : 0);
      });
    });
    await new Promise((resolve) => server.close(resolve));
    if (port > 0 && port !== 6379) return port;
  }
}

async function launch(port: number, dir: string, setup: RedisSetup): Promise<ChildProcess> {
  const listen = setup.tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', setup.tls.cert, '--tls-key-file', setup.tls.key]
    : ['--port', String(port)];
  const tls = setup.tls ? ['--tls-auth-clients', 'no'] : [];
  const child = spawn(
    'redis-server',
    [...listen, ...tls, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(setup.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server not ready: ${output}`)), READY_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

/** Starts a redis-server on a free port with a config in a temporary folder; stopped after the test. */
export async function startRedis(
  t: { after(fn: () => Promise<void> | void): void },
  setup: RedisSetup = {},
): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = await launch(port, dir, setup);
  const stop = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL'); // also ends a stopped (SIGSTOP) process
    await exited;
  };
  t.after(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    url: `${setup.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    get process() {
      return child;
    },
    stop,
    start: async () => {
      child = await launch(port, dir, setup);
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  };
}
