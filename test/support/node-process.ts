import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AppOptions } from '../../server/app.js';

/** A signaling server in a process of its own (test/support/server-process.ts). */
export interface NodeProcess {
  url: string;
  child: ChildProcess;
  /** Whether the process still runs. */
  alive(): boolean;
  /** Everything it printed (stdout and stderr). */
  output(): string;
  /** kill -9: no shutdown, no goodbye to its clients or to Redis. */
  crash(): Promise<void>;
}

/** Starts one node on a free port of 127.0.0.1 (`env` added to this process's); stopped (SIGTERM) when the test ends. */
export async function startNode(
  t: { after(fn: () => Promise<void> | void): void },
  options: AppOptions,
  env: NodeJS.ProcessEnv = {},
): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/server-process.ts', JSON.stringify(options)],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env, RTC_CALL_EXIT_WITH_PARENT: '1' } },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  t.after(() => stop('SIGTERM'));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const match = /listening (http:\/\/\S+)/.exec(output);
      if (match) {
        child.stdout.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return {
    url,
    child,
    alive: () => child.exitCode === null && child.signalCode === null,
    output: () => output,
    crash: () => stop('SIGKILL'),
  };
}
