import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { rollup, type OutputChunk, type RollupOptions } from 'rollup';

const run = promisify(execFile);
const CHECK = 'scripts/check-bundle-size.mjs';

/** Runs the size check; resolves with its output whether it passed or not. */
async function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [CHECK, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

/** The figure the check printed for `name`, e.g. "critical path: 80.1 KB minified, 23.4 KB gzip in 2 files (23962 bytes; …". */
function figure(stdout: string, name: string, budget: number): number {
  const match = new RegExp(
    `^${name}: [\\d.]+ KB minified, [\\d.]+ KB gzip in \\d+ files \\((\\d+) bytes; budget ${budget} bytes`,
    'm',
  ).exec(stdout);
  assert.ok(match, stdout);
  return Number(match[1]);
}

test('the drop-in is within its budgets: critical path 24 KiB of gzip, whole session 48 KiB (npm test builds it first)', async () => {
  const { stdout, stderr } = await check();
  console.log(stdout.trim());
  const critical = figure(stdout, 'critical path', 24576);
  const session = figure(stdout, 'whole session', 49152);
  assert.ok(session <= 49152, `${session} bytes of gzip exceed the whole-session budget`);
  assert.ok(critical <= 24576, `${critical} bytes of gzip exceed the critical-path budget: ${stderr}`);
});

test('the size check fails, with the overshoot in its message, when either figure is over budget', async () => {
  const critical = await check('--critical-budget', '20000', '--session-budget', '1000000');
  assert.equal(critical.code, 1);
  assert.match(critical.stderr, /critical path is \d+ bytes of gzip over its budget of 20000 bytes/);
  assert.doesNotMatch(critical.stderr, /whole session/);
  const session = await check('--critical-budget', '1000000', '--session-budget', '30000');
  assert.equal(session.code, 1);
  assert.match(session.stderr, /whole session is \d+ bytes of gzip over its budget of 30000 bytes/);
  assert.doesNotMatch(session.stderr, /critical path/);
});

test("the check's critical path is what rollup says the entry imports statically; every other chunk is loaded with import()", async () => {
  const { default: configs } = (await import(new URL('../../rollup.config.mjs', import.meta.url).href)) as {
    default: RollupOptions[];
  };
  const [config] = configs;
  const build = await rollup(config!);
  const { output } = await build.generate(config!.output as object);
  await build.close();
  const chunks = new Map(
    output.filter((file): file is OutputChunk => file.type === 'chunk').map((c) => [c.fileName, c]),
  );
  const critical = new Set<string>();
  const visit = (name: string): void => {
    if (critical.has(name)) return;
    critical.add(name);
    for (const imported of chunks.get(name)!.imports) visit(imported);
  };
  visit('rtc-call.js');
  const { stdout } = await check();
  const printed = [...stdout.matchAll(/^ {2}(\S+\.js) .* (critical path|loaded when used)$/gm)];
  assert.deepEqual(
    printed
      .filter((line) => line[2] === 'critical path')
      .map((line) => line[1])
      .sort(),
    [...critical].sort(),
  );
  assert.deepEqual(
    printed.map((line) => line[1]).sort(),
    [...chunks.keys()].sort(),
    'every file the build writes is counted',
  );
  assert.deepEqual(
    [...chunks.keys()]
      .filter((name) => !critical.has(name))
      .map((name) => name.replace(/-[0-9a-f]{10}\.js$/, ''))
      .sort(),
    [
      'chunks/call-view',
      'chunks/chat-channel',
      'chunks/chat-panel',
      'chunks/devices-controller',
      'chunks/rtc-device-picker',
      'chunks/stats',
      'chunks/switch-track',
      'chunks/zh-CN',
    ],
    'the in-call view, chat, settings, device switching, stats and Chinese load when used',
  );
  assert.deepEqual((await readdir('dist/chunks')).filter((name) => name.endsWith('.js')).sort(), [
    ...[...chunks.keys()]
      .filter((name) => name.startsWith('chunks/'))
      .map((name) => name.slice('chunks/'.length))
      .sort(),
  ]);
});

test('the classic script is a loader of the module entry, without import.meta or exports', async () => {
  const [module, classic] = await Promise.all([
    readFile('dist/rtc-call.js'),
    readFile('dist/rtc-call.iife.js', 'utf8'),
  ]);
  assert.match(module.toString(), /import\.meta\.url/, 'the module finds its origin through import.meta.url');
  assert.doesNotMatch(classic, /import\.meta/);
  assert.match(classic, /document\.currentScript/, 'the classic script finds its origin through currentScript');
  assert.match(classic, /^!function\(\)\{/, 'one function expression, no globals');
  assert.doesNotMatch(classic, /\bexport\s*\{/);
  // It imports the entry by the name the server gives this build's entry (server/plugins/static.ts).
  const pinned = `rtc-call.${createHash('sha256').update(module).digest('hex').slice(0, 10)}.js`;
  assert.ok(classic.includes(`"${pinned}"`), `the loader names ${pinned}`);
  assert.match(classic, /import\(/);
});
