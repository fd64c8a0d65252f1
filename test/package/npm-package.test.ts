// The npm package as a user gets it: `npm pack`, installed into a scratch project from the tarball
// (lit and socket.io-client from the registry), type-checked, bundled by rollup, and making a call.
// This file runs outside the loopback-only namespace (npm needs the registry); the call itself runs
// inside one (`scripts/in-netns.sh`, see call-in-page.ts).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let dir: string;
let app: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rtc-call-package-'));
  const { stdout } = await run('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: ROOT });
  const tarball = join(dir, stdout.trim().split('\n').pop()!);
  app = join(dir, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app });
});
after(() => rm(dir, { recursive: true, force: true }));

/**
 * Bundles `code` (an entry module of the scratch project) with rollup, as a user's build would;
 * resolves with the entry's code, and writes every file of the output to `dir` when given (the
 * package's dynamic imports make chunks of their own).
 */
async function bundle(name: string, code: string, dir?: string): Promise<string> {
  await writeFile(join(app, name), code);
  const build = await rollup({
    input: join(app, name),
    plugins: [nodeResolve({ browser: true })],
    // An empty bundle is what an unused side-effect-free import should give; anything else is a problem.
    onwarn: (warning) => assert.equal(warning.code, 'EMPTY_BUNDLE', `rollup: ${warning.message}`),
  });
  const { output } = await build.generate({ format: 'es', chunkFileNames: 'chunks/[name]-[hash].js' });
  await build.close();
  if (dir) {
    for (const file of output) {
      await mkdir(join(dir, 'chunks'), { recursive: true });
      await writeFile(join(dir, file.fileName), file.type === 'chunk' ? file.code : file.source);
    }
  }
  return output[0].code;
}

test('the package holds the compiled modules, their types and custom-elements.json; no server, tests or sources', async () => {
  const installed = join(app, 'node_modules', 'rtc-call');
  const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(manifest.dependencies as object).sort(), ['lit', 'socket.io-client']);
  assert.equal(manifest.customElements, 'custom-elements.json');
  const entries = (await readdir(installed, { recursive: true })).sort();
  for (const absent of ['server', 'test', 'src', 'demo', 'deploy', 'dist', 'lib/bundle.js']) {
    assert.ok(!entries.includes(absent), `${absent} is not shipped`);
  }
  for (const present of ['lib/index.js', 'lib/index.d.ts', 'lib/rtc-call.js', 'lib/rtc-call.d.ts']) {
    assert.ok(entries.includes(present), `${present} is shipped`);
  }
  assert.ok(!entries.some((entry) => entry.endsWith('.map')), 'no source maps pointing at sources that are not there');
  // The manifest, generated from the JSDoc headers, names the tag and its public API only.
  const elements = JSON.parse(await readFile(join(installed, 'custom-elements.json'), 'utf8')) as {
    modules: Array<{ path: string; declarations?: Array<Record<string, any>> }>;
  };
  const call = elements.modules.flatMap((module) => module.declarations ?? []).find((d) => d.tagName === 'rtc-call');
  assert.ok(call, 'rtc-call is described');
  assert.ok(
    entries.includes(elements.modules.find((m) => m.declarations?.includes(call))!.path),
    'its path is shipped',
  );
  assert.deepEqual(
    call.attributes.map((a: { name: string }) => a.name),
    ['room', 'signaling', 'token', 'autojoin', 'audio-only', 'ring-timeout', 'no-chat', 'lang'],
  );
  assert.ok(call.events.some((e: { name: string }) => e.name === 'rtc-message'));
  assert.ok(call.cssParts.some((p: { name: string }) => p.name === 'remote-video'));
  assert.ok(!call.members.some((m: { privacy?: string }) => m.privacy === 'private'), 'no private members');
});

test('types: the tag map types document.querySelector and createElement, events are typed', async () => {
  await writeFile(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files: ['check.ts'],
    }),
  );
  await writeFile(
    join(app, 'check.ts'),
    `import { RtcCall, type CallState } from 'rtc-call';
import 'rtc-call/rtc-call.js';

const found: RtcCall | null = document.querySelector('rtc-call');
const made: RtcCall = document.createElement('rtc-call');
made.room = 'team-42';
RtcCall.defaultSignaling = 'https://calls.example.com';
const state: CallState = made.state;
made.addEventListener('rtc-message', (event) => console.log(event.message.text.toUpperCase()));
made.addEventListener('rtc-state-change', (event) => console.log(event.state, event.previous, state));
void found?.sendMessage('hi').then((message) => message.status);
// @ts-expect-error: no such method
made.nonsense();
`,
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')]).catch((error: { stdout: string }) =>
    assert.fail(`tsc: ${error.stdout}`),
  );
});

test('the main entry has no side effects: importing the class defines no tag; the define entry does', async () => {
  const classOnly = await bundle('class-only.js', `import { RtcCall } from 'rtc-call';\nconsole.log(RtcCall.name);\n`);
  assert.doesNotMatch(classOnly, /customElements\.define/);
  const nothingUsed = await bundle('nothing.js', `import 'rtc-call';\n`);
  assert.equal(nothingUsed.trim(), '', 'an unused import of the main entry leaves nothing in the bundle');
  const defined = await bundle('define.js', `import 'rtc-call/rtc-call.js';\n`);
  assert.match(defined, /customElements\.define\('rtc-call'/);
});

test("the package's dynamic imports carry over: a bundler splits the in-call view, chat, the device picker, device switching, stats and Chinese into chunks of their own", async () => {
  const build = await rollup({ input: join(app, 'define.js'), plugins: [nodeResolve({ browser: true })] });
  const { output } = await build.generate({ format: 'es' });
  await build.close();
  const [entry, ...chunks] = output.filter((file) => file.type === 'chunk');
  assert.deepEqual(chunks.map((chunk) => chunk.name).sort(), [
    'call-view',
    'chat-channel',
    'chat-panel',
    'devices-controller',
    'rtc-device-picker',
    'stats',
    'switch-track',
    'zh-CN',
  ]);
  assert.deepEqual(entry!.dynamicImports.length, chunks.length, 'each loaded with import()');
  assert.doesNotMatch(entry!.code, /customElements\.define\('rtc-device-picker'/, 'the picker is defined by its chunk');
  assert.doesNotMatch(entry!.code, /加入通话/, 'no Chinese string in the entry');
});

test('a page bundled by rollup from the installed package makes a call', async () => {
  const site = join(app, 'site');
  await mkdir(site);
  await bundle(
    'main.js',
    `import { RtcCall } from 'rtc-call';
import 'rtc-call/rtc-call.js';

// A bundled package has no script origin to default to: the page names its signaling server.
RtcCall.defaultSignaling = new URL(location.href).searchParams.get('signaling');
`,
    site,
  );
  await writeFile(
    join(site, 'index.html'),
    `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>An app built with the rtc-call package</title>
    <script type="module" src="main.js"></script></head>
  <body><rtc-call room="from-npm" autojoin></rtc-call></body>
</html>
`,
  );
  // The call runs in a loopback-only network namespace, in a process of its own.
  const child = spawn(
    'bash',
    ['scripts/in-netns.sh', process.execPath, '--import', 'tsx', 'test/package/call-in-page.ts', site],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const [code_] = await once(child, 'exit');
  assert.equal(code_, 0, 'the call in the bundled page succeeded (see its output above)');
});
