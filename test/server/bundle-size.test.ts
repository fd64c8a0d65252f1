import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHECK = 'scripts/check-bundle-size.mjs';

test('dist/rtc-call.js is within its size budget of 31 KB gzip (npm test builds it first)', async () => {
  const { stdout } = await run(process.execPath, [CHECK]);
  // e.g. "dist/rtc-call.js: 78.8 KB minified, 26.3 KB gzip (26894 bytes; budget 31744 bytes, 3826 left)"
  console.log(stdout.trim());
  const match = /: ([\d.]+) KB minified, ([\d.]+) KB gzip \((\d+) bytes; budget 31744 bytes/.exec(stdout);
  assert.ok(match, stdout);
  assert.ok(Number(match[3]) <= 31744, `${match[3]} bytes of gzip exceed the budget`);
});

test('the size check fails, with the overshoot in its message, when the bundle is over budget', async () => {
  await assert.rejects(
    run(process.execPath, [CHECK, '--budget', '20000']),
    (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /dist\/rtc-call\.js is \d+ bytes of gzip over its budget of 20000 bytes/);
      return true;
    },
  );
});

test('the classic script is the module bundle without import.meta or exports', async () => {
  const [module, classic] = await Promise.all([
    readFile('dist/rtc-call.js', 'utf8'),
    readFile('dist/rtc-call.iife.js', 'utf8'),
  ]);
  assert.match(module, /import\.meta\.url/, 'the module finds its origin through import.meta.url');
  assert.doesNotMatch(classic, /import\.meta/);
  assert.match(classic, /document\.currentScript/, 'the classic script finds its origin through currentScript');
  assert.match(classic, /^!function\(\)\{/, 'one function expression, no globals');
  assert.doesNotMatch(classic, /\bexport\s*\{/);
});
