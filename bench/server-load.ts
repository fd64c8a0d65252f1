// Server load: `npm run bench:server [-- --sockets 10000 --rate 1000 --seconds 15 --clients 4 --mode both]`.
// Opens N socket.io-client sockets from separate client processes on 127.0.0.1, pairs them into
// N/2 rooms, relays SDP-sized descriptions at a set rate, and prints the server's RSS per socket,
// joins a second, relay latency p50/p99 and event-loop delay: for one node with seats in memory,
// then for two nodes sharing a redis-server that it starts on a free port (every relay crosses
// nodes: the first peer of each room is on node 1, the second on node 2). Not a test: figures
// depend on the machine and on whatever else runs on it. Writes them to bench/results/server.json
// for `npm run bench` (bench/server-results.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { startRedis } from '../test/support/redis.js';
import { serverPrintable } from './report.js';
import { writeServerResults, SERVER_RESULTS, type ServerFigure, type ServerResults } from './server-results.js';

function option(name: string, fallback: number | string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1]! : String(fallback);
}

/** A whole number of at least `min`, or a clear error naming the option. */
function count(name: string, fallback: number, min: number): number {
  const value = Number(option(name, fallback));
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
  return value;
}

const SOCKETS = count('sockets', 10_000, 2);
const RATE = count('rate', 1000, 1);
const SECONDS = count('seconds', 15, 1);
const CLIENTS = count('clients', 4, 1);
const SDP_BYTES = count('sdp-bytes', 3000, 1);
const MODE = option('mode', 'both');
if (!['both', 'memory', 'redis'].includes(MODE)) throw new Error('--mode must be both, memory or redis');
if (SOCKETS % 2) throw new Error('--sockets must be even: two per room');

type Message = { type: string } & Record<string, unknown>;

/** Sends `command` to `child` and resolves with its next message of the same type. */
async function ask(child: ChildProcess, type: string, payload: unknown = { type }): Promise<Message> {
  const answer = new Promise<Message>((resolve, reject) => {
    const onMessage = (message: Message): void => {
      if (message.type === 'error') reject(new Error(String(message.message)));
      else if (message.type === type) resolve(message);
      else return;
      child.off('message', onMessage);
    };
    child.on('message', onMessage);
  });
  child.send(payload as string);
  return answer;
}

const children: ChildProcess[] = [];

async function startNode(options: object): Promise<{ child: ChildProcess; url: string }> {
  const child = fork('bench/server-load-node.ts', [JSON.stringify(options)], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
  });
  children.push(child);
  const [message] = (await once(child, 'message')) as [Message];
  return { child, url: String(message.url) };
}

async function startClient(setup: object): Promise<ChildProcess> {
  const child = fork('bench/server-load-client.ts', [JSON.stringify(setup)], { execArgv: ['--import', 'tsx'] });
  children.push(child);
  await once(child, 'message');
  return child;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Figures {
  setup: string;
  sockets: number;
  rssPerSocketKiB: number;
  joinsPerSecond: number;
  refused: number;
  relayed: number;
  relayFailed: number;
  p50: number;
  p99: number;
  loopP99: number;
  loopMax: number;
  /** Server CPU time per relayed description (all nodes), and the busiest node's share of one core. */
  cpuPerRelayMs: number;
  cpuBusiest: number;
  /** Redis's `used_memory` with every socket joined, when on Redis. */
  redisMiB: number | null;
  /** The machine's 1-minute load average after the relay phase: anything above the core count is other work. */
  load: number;
}

async function run(
  setupName: string,
  urls: [string, string],
  nodes: ChildProcess[],
  redisUrl: string | null = null,
): Promise<Figures> {
  const stats = async (): Promise<Message[]> => Promise.all(nodes.map((node) => ask(node, 'stats', 'stats')));
  const rooms = SOCKETS / 2;
  const perClient = Math.ceil(rooms / CLIENTS);
  const prefix = `load-${Date.now()}`;
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      startClient({
        urls,
        prefix,
        from: i * perClient,
        to: Math.min(rooms, (i + 1) * perClient),
        rate: RATE / CLIENTS,
        durationMs: SECONDS * 1000,
        sdpBytes: SDP_BYTES,
      }),
    ),
  );
  const rssBefore = (await stats()).reduce((sum, s) => sum + Number(s.rss), 0);

  process.stdout.write(`${setupName}: connecting ${SOCKETS} sockets… `);
  let started = performance.now();
  const connects = await Promise.all(clients.map((client) => ask(client, 'connect')));
  const retries = connects.reduce((sum, c) => sum + Number(c.retries), 0);
  process.stdout.write(
    `${((performance.now() - started) / 1000).toFixed(1)} s${retries ? ` (${retries} retried)` : ''}; joining… `,
  );

  started = performance.now();
  const joins = await Promise.all(clients.map((client) => ask(client, 'join')));
  const joinSeconds = (performance.now() - started) / 1000;
  const seated = joins.reduce((sum, j) => sum + Number(j.ok), 0);
  const refused = SOCKETS - seated;
  if (refused > 0) console.log(`\n  not seated: ${JSON.stringify(joins.map((j) => j.refused))}`);
  const afterJoin = await stats();
  const sockets = afterJoin.reduce((sum, s) => sum + Number(s.sockets), 0);
  const rssAfter = afterJoin.reduce((sum, s) => sum + Number(s.rss), 0);
  let redisMiB: number | null = null;
  if (redisUrl) {
    const redis = new Redis(redisUrl);
    redisMiB = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]) / 1024 / 1024;
    redis.disconnect();
  }
  process.stdout.write(`${joinSeconds.toFixed(1)} s; relaying for ${SECONDS} s…\n`);

  await Promise.all(nodes.map((node) => ask(node, 'reset', 'reset')));
  const relays = await Promise.all(clients.map((client) => ask(client, 'relay')));
  const afterRelay = await stats();
  const latencies = relays.flatMap((r) => r.latencies as number[]).sort((x, y) => x - y);
  const worst = (key: 'p99' | 'max'): number =>
    Math.max(...afterRelay.map((s) => (s.delayMs as Record<string, number>)[key]!));

  await Promise.all(clients.map((client) => ask(client, 'close')));
  for (const client of clients) client.kill();
  return {
    setup: setupName,
    sockets,
    rssPerSocketKiB: (rssAfter - rssBefore) / 1024 / SOCKETS,
    joinsPerSecond: seated / joinSeconds,
    refused,
    relayed: latencies.length,
    relayFailed: relays.reduce((sum, r) => sum + Number(r.failed), 0),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    loopP99: worst('p99'),
    loopMax: worst('max'),
    cpuPerRelayMs: afterRelay.reduce((sum, s) => sum + Number(s.cpuMs), 0) / Math.max(1, latencies.length),
    cpuBusiest: Math.max(...afterRelay.map((s) => Number(s.cpuMs) / Number(s.wallMs))),
    redisMiB,
    load: loadavg()[0]!,
  };
}

async function closeAll(nodes: ChildProcess[]): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      const exited = once(node, 'exit');
      node.send('close');
      await exited;
    }),
  );
}

const results: Figures[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
try {
  if (MODE === 'both' || MODE === 'memory') {
    const node = await startNode({});
    results.push(await run('1 node, memory', [node.url, node.url], [node.child]));
    await closeAll([node.child]);
  }
  if (MODE === 'both' || MODE === 'redis') {
    const redis = await startRedis({ after: (fn) => void cleanups.push(fn) });
    const sessionSecret = randomBytes(32).toString('base64url'); // shared by both nodes, as REDIS_URL needs
    const nodes = await Promise.all([1, 2].map(() => startNode({ redisUrl: redis.url, sessionSecret })));
    results.push(
      await run(
        '2 nodes, Redis',
        [nodes[0]!.url, nodes[1]!.url],
        nodes.map((n) => n.child),
        redis.url,
      ),
    );
    await closeAll(nodes.map((n) => n.child));
  }
} finally {
  // On success every child has exited already; after a failure none may stay behind.
  for (const child of children) if (child.exitCode === null) child.kill();
  for (const cleanup of cleanups) await cleanup();
}

const workload =
  `${SOCKETS} sockets (${SOCKETS / 2} rooms), ${RATE} descriptions/s of ${SDP_BYTES} B for ${SECONDS} s, ` +
  `${CLIENTS} client processes`;
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`;
// The same figures for `npm run bench` and docs/benchmarks.md (contract: bench/server-results.ts).
const round = (digits: number) => (value: number) => Number(value.toFixed(digits));
const figure = (
  name: string,
  value: (r: Figures) => number | string,
  extra: { unit?: string; note?: string } = {},
): ServerFigure => ({ name, values: results.map(value), ...extra });
const figures: ServerFigure[] = [
  figure('sockets connected', (r) => r.sockets),
  figure('joins refused', (r) => r.refused, { note: 'expected 0: two sockets per room' }),
  figure('server RSS per socket', (r) => round(1)(r.rssPerSocketKiB), {
    unit: 'KiB',
    note: 'growth after a GC, all nodes',
  }),
  figure('Redis memory', (r) => (r.redisMiB === null ? '–' : round(1)(r.redisMiB)), {
    unit: 'MiB',
    note: 'used_memory with every socket seated',
  }),
  figure('joins', (r) => Math.round(r.joinsPerSecond), { unit: 'per s' }),
  figure('relay latency p50', (r) => round(1)(r.p50), { unit: 'ms', note: 'sender → server(s) → peer' }),
  figure('relay latency p99', (r) => round(1)(r.p99), { unit: 'ms' }),
  figure('event-loop delay p99', (r) => round(1)(r.loopP99), { unit: 'ms', note: 'busiest node, while relaying' }),
  figure('event-loop delay max', (r) => round(1)(r.loopMax), { unit: 'ms' }),
  figure('server CPU per relayed description', (r) => round(3)(r.cpuPerRelayMs), { unit: 'ms', note: 'all nodes' }),
  figure('busiest node CPU', (r) => Math.round(r.cpuBusiest * 100), { unit: '% of a core' }),
  figure('descriptions relayed', (r) => r.relayed),
  figure('relays failed', (r) => r.relayFailed),
  figure('load average after', (r) => round(1)(r.load), {
    note: `1 min, ${cpus().length} cores: the run's own client and server processes count in it`,
  }),
];
const argv = process.argv.slice(2);
const serverResults: ServerResults = {
  command: `npm run bench:server${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  measuredAt: new Date().toISOString(),
  machine,
  workload,
  setups: results.map((r) => r.setup),
  figures,
};
await writeServerResults(serverResults);
console.log(`\n${workload}; ${machine}\n\n${serverPrintable(serverResults)}\n\nWrote ${SERVER_RESULTS.pathname}`);
