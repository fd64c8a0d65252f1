import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

// `npm run lint` ends with `npm run lint:cycles` (dpdm over src/ and server/): it must fail on a
// circle of imports, type-only ones included, and pass on the tree as it is. dpdm resolves the
// `.js` specifiers of TypeScript through tsconfig.json; an import it cannot resolve is only a
// warning ("miss"), and a circle through it would go unseen, so the tree must have none.
const DPDM = ['node_modules/dpdm/lib/bin/dpdm.js', '--no-tree', '--no-progress'];

test('the import-cycle check of npm run lint fails on a circle of imports, type-only ones included, and names its files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-cycles-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // Like the circle issue 15 found: the events import a type of the controller that imports them.
  await writeFile(join(dir, 'events.ts'), "import type { State } from './controller.js';\nexport type Seen = State;\n");
  await writeFile(
    join(dir, 'controller.ts'),
    "import type { Seen } from './events.js';\nexport type State = 'idle';\nexport const seen: Seen[] = [];\n",
  );
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
  );
  await assert.rejects(
    run(process.execPath, [...DPDM, '--context', dir, '--exit-code', 'circular:1', join(dir, '*.ts')]),
    (error: { code: number; stdout: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stdout, /events\.ts -> .*controller\.ts/);
      return true;
    },
  );
});

test('src/ and server/ import nothing in a circle, and every import between their files resolves', async () => {
  const args = [...DPDM, '--exit-code', 'circular:1', 'src/**/*.ts', 'server/**/*.ts'];
  const { stdout } = await run(process.execPath, args);
  assert.match(stdout, /no circular dependency/);
  assert.doesNotMatch(stdout, /\bmiss "/, 'an import dpdm cannot resolve could hide a circle');
});
