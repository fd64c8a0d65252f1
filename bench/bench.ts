// `npm run bench`: call setup, data channel and bundle size of rtc-call next to a hand-written floor
// page and PeerJS, measured side by side in one run; prints the tables and writes
// docs/benchmarks.md with its charts. A benchmark, not a test: the numbers depend on the machine.
// Its last phase runs `npm run bench:server` for the server figures (--skip-server reads the figures
// the last run of it left instead). BENCH_CALLS sets the number of calls per variant (default 30).
// --sizes-only writes only the README's size figures (measured from dist/, no browser).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import prettier from 'prettier';
import { measureBundles } from './bundle-size.js';
import { VARIANTS, measureCalls, type RoundOutcome } from './call-setup.js';
import {
  LABELS,
  benchmarksMarkdown,
  dataChart,
  headline,
  printable,
  setupChart,
  sizeParagraph,
  type Report,
} from './report.js';
import { readServerResults } from './server-results.js';

const ROOT = new URL('../', import.meta.url);
const CALLS = Number(process.env.BENCH_CALLS ?? 30);
const WARMUP = 2;
const PACKAGES = ['lit', 'socket.io', 'socket.io-client', 'fastify', 'peerjs', 'peer', 'playwright-core'];
const README_START = '<!-- benchmarks:start -->';
const README_END = '<!-- benchmarks:end -->';
const SIZE_START = '<!-- size:start -->';
const SIZE_END = '<!-- size:end -->';

if (!Number.isInteger(CALLS) || CALLS < 1) throw new Error('BENCH_CALLS must be a positive integer');

async function version(name: string): Promise<string> {
  const manifest = await readFile(new URL(`node_modules/${name}/package.json`, ROOT), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

async function formatted(path: URL, text: string): Promise<string> {
  const options = await prettier.resolveConfig(path);
  return prettier.format(text, { ...options, filepath: path.pathname });
}

const RESULTS = new URL('bench/results/bench.json', ROOT);

/** Runs `npm run bench:server` with its defaults, which writes the figures {@link readServerResults} reads. */
async function measureServer(): Promise<void> {
  console.log('\nServer: npm run bench:server');
  const child = spawn('npm', ['run', '--silent', 'bench:server'], { cwd: ROOT, stdio: 'inherit' });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) throw new Error(`npm run bench:server failed (${signal ?? `exit code ${code}`})`);
}

/** Runs every measurement and returns the report. */
async function measure(): Promise<Report> {
  const started = performance.now();
  const loadBefore = os.loadavg();
  console.log(
    `rtc-call benchmark: ${CALLS} rounds (a timed call and a chat call per variant) after ${WARMUP} warm-up rounds, ${os.availableParallelism()} cores`,
  );

  const bundles = await measureBundles();
  console.log('bundle sizes measured');

  const calls = await measureCalls({
    calls: CALLS,
    warmup: WARMUP,
    roundTrips: 5,
    messageBytes: 2048,
    progress(round, outcome) {
      const cell = ({ call, chat }: RoundOutcome): string =>
        `${typeof call === 'string' ? 'failed' : `${Math.round(call.setup)} ms`}` +
        ` (chat ${typeof chat === 'string' ? 'failed' : `${chat.firstMessage} ms`})`;
      const cells = VARIANTS.map((variant) => `${LABELS[variant]} ${cell(outcome[variant])}`).join(' · ');
      const label = round > 0 ? `round ${round}/${CALLS}` : 'warm-up';
      const elapsed = Math.round((performance.now() - started) / 1000);
      console.log(`${label.padEnd(12)} ${cells}  (${elapsed} s)`);
    },
  });

  const loadAfter = os.loadavg(); // before the server phase, whose own processes load the machine
  // A failed server phase costs its figures, not the calls measured so far.
  const serverFailure = process.argv.includes('--skip-server')
    ? null
    : await measureServer().then(
        () => null,
        (error: unknown) => `not measured: ${error instanceof Error ? error.message : String(error)}`,
      );
  const server = serverFailure ?? (await readServerResults());

  const ownManifest = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as { version: string };
  const versions: Record<string, string> = {
    'rtc-call': ownManifest.version,
    Chromium: calls.chromium,
    Node: process.versions.node,
  };
  for (const name of PACKAGES) versions[name] = await version(name);

  const report: Report = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    durationSeconds: (performance.now() - started) / 1000,
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
      cores: os.availableParallelism(),
      memoryGiB: os.totalmem() / 2 ** 30,
      os: `${os.type()} ${os.release()}`,
      loadBefore,
      loadAfter,
    },
    versions,
    options: { calls: CALLS, warmup: WARMUP, roundTrips: 5, messageBytes: 2048 },
    calls: calls.results,
    bundles,
    server,
  };
  await mkdir(new URL('bench/results/', ROOT), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** Puts `text` between the README's `start` and `end` markers; false when they are missing. */
async function writeReadmeSection(start: string, end: string, text: string): Promise<boolean> {
  const readmeUrl = new URL('README.md', ROOT);
  const readme = await readFile(readmeUrl, 'utf8');
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) {
    console.log(`README.md has no ${start} … ${end} section: it was not updated.`);
    return false;
  }
  const section = `${start}\n\n${text}\n\n`;
  await writeFile(readmeUrl, await formatted(readmeUrl, readme.slice(0, from) + section + readme.slice(to)));
  return true;
}

// --sizes-only measures the drop-in's sizes (the build's, no browser) and writes only the README's
// size figures.
if (process.argv.includes('--sizes-only')) {
  const bundles = await measureBundles();
  await writeReadmeSection(SIZE_START, SIZE_END, sizeParagraph(bundles));
  console.log(sizeParagraph(bundles));
  process.exit(0);
}

// --report-only writes the page and charts again from the last run's raw samples (and the server
// figures and the bundle sizes as they are now: the sizes depend on the build only).
const report = process.argv.includes('--report-only')
  ? {
      ...(JSON.parse(await readFile(RESULTS, 'utf8')) as Report),
      server: await readServerResults(),
      bundles: await measureBundles(),
    }
  : await measure();
console.log(`\n${printable(report)}\n`);

await mkdir(new URL('docs/images/', ROOT), { recursive: true });
await writeFile(new URL('docs/images/benchmarks-setup.svg', ROOT), setupChart(report));
await writeFile(new URL('docs/images/benchmarks-data.svg', ROOT), dataChart(report));
const doc = new URL('docs/benchmarks.md', ROOT);
await writeFile(doc, await formatted(doc, benchmarksMarkdown(report)));

// The README carries the headline and the size figures, each between two markers.
await writeReadmeSection(README_START, README_END, `[Benchmarks](docs/benchmarks.md): ${headline(report)}`);
await writeReadmeSection(SIZE_START, SIZE_END, sizeParagraph(report.bundles));
console.log('Wrote docs/benchmarks.md, docs/images/benchmarks-*.svg and the README headline and size figures.');
// PeerJS's server keeps timers of its own running: end here.
process.exit(0);
