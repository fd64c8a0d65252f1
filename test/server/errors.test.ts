import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

/**
 * A copy of the server in a directory of its own, started with main.ts, whose served files fail
 * to read with real file-system errors: `demo/index.html` and `dist/rtc-call.js` are symbolic
 * links to themselves (ELOOP, whose message carries the absolute path).
 */
async function brokenInstall(
  t: TestContext,
): Promise<{ url: string; root: string; logged: (count: number, match: RegExp) => Promise<string[]> }> {
  const root = await mkdtemp(join(tmpdir(), 'rtc-call-errors-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  for (const path of ['server', 'src', 'package.json']) await cp(path, join(root, path), { recursive: true });
  await symlink(join(process.cwd(), 'node_modules'), join(root, 'node_modules'));
  await mkdir(join(root, 'demo'));
  await mkdir(join(root, 'dist'));
  await symlink('index.html', join(root, 'demo', 'index.html'));
  await symlink('rtc-call.js', join(root, 'dist', 'rtc-call.js'));

  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        child.stdout.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  // Log lines reach this process after the answers do: wait for them as they come.
  const logged = (count: number, match: RegExp) =>
    new Promise<string[]>((resolve, reject) => {
      const check = (): void => {
        const lines = output.split('\n').filter((line) => match.test(line));
        if (lines.length < count) return;
        child.stdout.off('data', check);
        resolve(lines);
      };
      child.stdout.on('data', check);
      child.once('exit', () => reject(new Error(`exited before ${count} lines matching ${match}: ${output}`)));
      check();
    });
  return { url, root, logged };
}

test('a 500 answer carries no file-system message (it goes to the log), and 4xx answers keep theirs', async (t) => {
  const { url, root, logged } = await brokenInstall(t);

  for (const path of ['/', '/rtc-call.js']) {
    const response = await fetch(url + path);
    assert.equal(response.status, 500, path);
    const text = await response.text();
    assert.doesNotMatch(text, /ELOOP|symbolic|rtc-call-errors-|\/tmp\//, `${path}: ${text}`);
    assert.match(JSON.parse(text).message, /could not answer this request; the error is in its log/);
  }
  // The detail is in the server's log, at error level, with the path.
  const failures = (await logged(2, /"code":"ELOOP"/)).map(
    (line) => JSON.parse(line) as { level: number; msg: string; err?: { code?: string; message?: string } },
  );
  for (const entry of failures) {
    assert.equal(entry.level, 50);
    assert.ok(entry.err!.message!.includes(root), 'the log names the file');
  }

  // Fastify's own 4xx errors describe the request: their message goes out unchanged.
  const badUrl = await fetch(`${url}/%E0%A4%A`);
  assert.equal(badUrl.status, 400);
  assert.match((await badUrl.json()).message, /is not a valid url component/);
});
