// deploy/rtc-call.service (systemd) and deploy/ecosystem.config.cjs (pm2) are checked and run the
// way their managers would: the same command line, working directory, environment and stop signal.
// Only the port and the checkout's path are substituted; systemd and pm2 themselves do not run here
// (no systemd as PID 1 in a test, pm2 not installed).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect, request } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UNIT = `${ROOT}deploy/rtc-call.service`;
// What systemd gives a service: this PATH and the unit's own variables, nothing inherited.
const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The `[Service]` keys of a unit file (the last value of a repeated key wins, as for these keys). */
function serviceSection(unit: string): Record<string, string> {
  const keys: Record<string, string> = {};
  let section = '';
  for (const line of unit.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else if (section === 'Service') {
      const at = line.indexOf('=');
      keys[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return keys;
}

/**
 * Runs a server command as a process manager would, waits until it serves the health check and
 * the drop-in script, sends `signal`, and resolves with the exit code and how long stopping took.
 */
async function runAndStop(
  command: string,
  args: string[],
  options: {
    cwd: string;
    env: Record<string, string>;
    signal: NodeJS.Signals;
    port: number;
    /** More to do while it serves (a call's signaling). */
    exercise?: (url: string) => Promise<void>;
    /** The process to signal, when `command` only wraps the server (strace). */
    target?: () => Promise<number>;
  },
): Promise<{ code: number | null; stopMs: number }> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = once(child, 'exit');
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output.includes(`Server listening at http://127.0.0.1:${options.port}`)) resolve();
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
    });
    const url = `http://127.0.0.1:${options.port}`;
    assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true });
    assert.equal((await fetch(`${url}/rtc-call.js`)).status, 200);
    assert.match(output, /"level":30/, 'JSON logs on stdout (the journal, pm2 logs)');
    await options.exercise?.(url);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const target = options.target ? await options.target() : child.pid!;
  const stopping = Date.now();
  process.kill(target, options.signal);
  const [code] = (await exited) as [number | null];
  return { code, stopMs: Date.now() - stopping };
}

test('deploy/rtc-call.service passes systemd-analyze verify without a warning', async (t) => {
  const analyze = await promisify(execFile)('systemd-analyze', ['--version']).catch(() => null);
  if (!analyze) {
    t.skip('systemd-analyze is not installed');
    return;
  }
  // verify exits 0 on unknown keys and bad values, but names them on stderr.
  const { stderr } = await promisify(execFile)('systemd-analyze', ['verify', UNIT]);
  assert.equal(stderr, '');
});

test('deploy/rtc-call.service: its ExecStart, run as systemd would, serves and stops on its KillSignal within TimeoutStopSec', async (t) => {
  const service = serviceSection(await readFile(UNIT, 'utf8'));
  const env: Record<string, string> = { PATH: SYSTEMD_PATH };
  for (const assignment of service.Environment!.split(/\s+/)) {
    const at = assignment.indexOf('=');
    env[assignment.slice(0, at)] = assignment.slice(at + 1);
  }
  assert.deepEqual([env.NODE_ENV, env.HOST, env.PORT], ['production', '127.0.0.1', '8080']);
  assert.equal(service.WorkingDirectory, '/opt/rtc-call');
  // StateDirectory=: systemd makes /var/lib/<name> for the service and names it in STATE_DIRECTORY.
  assert.equal(service.StateDirectory, 'rtc-call');
  const state = await mkdtemp(join(tmpdir(), 'rtc-call-state-'));
  t.after(() => rm(state, { recursive: true, force: true }));
  env.STATE_DIRECTORY = state;
  const port = await freePort();
  env.PORT = String(port);
  const [command, ...args] = service.ExecStart!.split(/\s+/);
  assert.equal(command, '/usr/bin/node');
  const { code, stopMs } = await runAndStop(command!, args, {
    cwd: ROOT,
    env,
    signal: service.KillSignal as NodeJS.Signals,
    port,
  });
  assert.equal(code, 0, 'a clean exit (Restart=on-failure leaves it stopped)');
  assert.ok(stopMs < Number(service.TimeoutStopSec) * 1000, `stopped in ${stopMs} ms`);
  assert.deepEqual(await readdir(state), ['session-secret'], 'the session secret is kept in the state directory');
});

/** The system calls of a systemd group, its nested groups expanded (`systemd-analyze syscall-filter`). */
async function syscallGroup(group: string): Promise<Set<string>> {
  const { stdout } = await promisify(execFile)('systemd-analyze', ['syscall-filter', group]);
  const names = new Set<string>();
  for (const line of stdout.split('\n').slice(1)) {
    const name = line.trim();
    if (!name || name.startsWith('#')) continue;
    for (const call of name.startsWith('@') ? await syscallGroup(name) : [name]) names.add(call);
  }
  return names;
}

test('deploy/rtc-call.service (issue 13 item 9): MemoryMax, TasksMax and SystemCallFilter=@system-service, and the server, traced through start, a join and its stop, makes only system calls the filter allows, in fewer tasks than TasksMax', async (t) => {
  const tools = await Promise.all(
    ['systemd-analyze', 'strace'].map((tool) =>
      promisify(execFile)(tool, ['--version']).then(
        () => true,
        () => false,
      ),
    ),
  );
  const unit = await readFile(UNIT, 'utf8');
  const lines = unit.split('\n').map((line) => line.trim());
  const filters = lines.filter((line) => line.startsWith('SystemCallFilter=')).map((line) => line.slice(17));
  assert.match(filters[0] ?? '', /^@system-service\b/, 'an allow list: @system-service');
  assert.ok(filters.includes('~@privileged'), 'then no privileged calls');
  for (const line of [
    'MemoryMax=1G',
    'TasksMax=64',
    'SystemCallErrorNumber=EPERM',
    'SystemCallArchitectures=native',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
  ]) {
    assert.ok(lines.includes(line), line);
  }
  assert.ok(!lines.some((line) => line.startsWith('MemoryDenyWriteExecute=')), "V8's JIT needs writable code");
  if (!tools.every(Boolean)) {
    t.skip('systemd-analyze or strace is not installed: the directives are checked, the filter is not exercised');
    return;
  }
  // The unit's own lines, as systemd reads them: an allow list, then `~` entries taken out of it.
  const allowed = new Set<string>();
  for (const value of filters) {
    const deny = value.startsWith('~');
    for (const entry of value.replace(/^~/, '').split(/\s+/)) {
      for (const call of entry.startsWith('@') ? await syscallGroup(entry) : [entry]) {
        if (deny) allowed.delete(call);
        else allowed.add(call);
      }
    }
  }

  const service = serviceSection(unit);
  const env: Record<string, string> = { PATH: SYSTEMD_PATH };
  for (const assignment of service.Environment!.split(/\s+/)) {
    const at = assignment.indexOf('=');
    env[assignment.slice(0, at)] = assignment.slice(at + 1);
  }
  const port = await freePort();
  env.PORT = String(port);
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-strace-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const trace = join(dir, 'trace');
  const [command, ...args] = service.ExecStart!.split(/\s+/);
  // The first line of the trace is the server's own process (strace runs it).
  const serverPid = async () => Number(/^(\d+)/.exec(await readFile(trace, 'utf8'))![1]);
  let peakKiB = 0;
  const { code } = await runAndStop('strace', ['-f', '-qq', '-o', trace, command!, ...args], {
    cwd: ROOT,
    env,
    signal: service.KillSignal as NodeJS.Signals,
    port,
    target: serverPid,
    async exercise(url) {
      const socket = await connect(t, url);
      assert.equal((await request(socket, 'join', { v: 1, room: 'under-the-filter' })).ok, true);
      socket.close();
      const status = await readFile(`/proc/${await serverPid()}/status`, 'utf8');
      peakKiB = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)![1]);
    },
  });
  assert.equal(code, 0, 'a clean exit under strace too');

  const calls = new Set<string>();
  const tasks = new Set<string>();
  for (const line of (await readFile(trace, 'utf8')).split('\n')) {
    const match = /^(\d+)\s+([a-z0-9_]+)\(/.exec(line);
    if (!match) continue;
    tasks.add(match[1]!);
    calls.add(match[2]!);
  }
  assert.ok(calls.has('epoll_pwait') || calls.has('epoll_wait'), 'the trace holds the event loop');
  assert.deepEqual(
    [...calls].filter((call) => !allowed.has(call)).sort(),
    [],
    'system calls outside SystemCallFilter (they would fail with EPERM)',
  );
  // Every task that ever existed, not only those alive at once: an upper bound.
  assert.ok(tasks.size < Number(service.TasksMax), `${tasks.size} tasks (node and its threads)`);
  assert.ok(peakKiB * 1024 < 1024 ** 3, `peak RSS ${peakKiB} KiB is far from MemoryMax`);
});

test('deploy/ecosystem.config.cjs: the process pm2 would start serves, and stops on SIGINT within kill_timeout', async () => {
  const require = createRequire(import.meta.url);
  const { apps } = require(`${ROOT}deploy/ecosystem.config.cjs`) as {
    apps: Array<{
      name: string;
      cwd: string;
      script: string;
      interpreter: string;
      node_args: string;
      exec_mode: string;
      instances: number;
      env: Record<string, string>;
      kill_timeout: number;
    }>;
  };
  assert.equal(apps.length, 1);
  const app = apps[0]!;
  assert.equal(resolve(app.cwd), resolve(ROOT), 'cwd is the checkout');
  assert.deepEqual([app.exec_mode, app.instances], ['fork', 1], 'one process: rooms live in its memory');
  const port = await freePort();
  // pm2's fork mode: `<interpreter> <node_args> <its fork container>`, which import()s the script
  // (an ES module here); the container is pm2's, the rest is this line.
  const { code, stopMs } = await runAndStop(app.interpreter, [...app.node_args.split(/\s+/), app.script], {
    cwd: app.cwd,
    env: { PATH: process.env.PATH ?? SYSTEMD_PATH, ...app.env, PORT: String(port) },
    signal: 'SIGINT',
    port,
  });
  assert.equal(code, 0);
  assert.ok(stopMs < app.kill_timeout, `stopped in ${stopMs} ms`);
});
