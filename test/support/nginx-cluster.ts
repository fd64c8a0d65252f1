import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.js';

/** An nginx that a test started in front of some nodes, on its own port of 127.0.0.1. */
export interface Nginx {
  url: string;
  process: ChildProcess;
}

const READY_TIMEOUT_MS = 10_000;
const DEPLOY_CONF = new URL('../../deploy/nginx-cluster.conf', import.meta.url);

/**
 * deploy/nginx-cluster.conf as shipped, except where it listens (a free port of 127.0.0.1, no TLS) and
 * which nodes it balances (`upstreams`, as `server` lines without their `server` word).
 */
async function deployConf(port: number, upstreams: string[]): Promise<string> {
  const lines = (await readFile(DEPLOY_CONF, 'utf8')).split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    const setting = line.trim().split(/\s+/)[0];
    if (setting === 'listen') kept.push(`    listen 127.0.0.1:${port};`);
    else if (setting === 'server' && line.includes(':')) {
      if (!kept.some((l) => l.includes('# test nodes'))) {
        kept.push('    # test nodes', ...upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=10s;`));
      }
    } else if (!setting?.startsWith('ssl_')) kept.push(line);
  }
  return kept.join('\n');
}

/**
 * Starts nginx with deploy/nginx-cluster.conf (WebSocket upgrade, failover to the next node on a refused
 * connection) balancing `upstreams` (`127.0.0.1:PORT [backup]`). Single process, every file in a
 * temporary folder; stopped when the test ends.
 */
export async function startNginx(
  t: { after(fn: () => Promise<void> | void): void },
  upstreams: string[],
): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-nginx-'));
  await mkdir(join(dir, 'logs'));
  const port = await freePort();
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${await deployConf(port, upstreams)}
}
`;
  const path = join(dir, 'nginx.conf');
  await writeFile(path, conf);
  const child = spawn('nginx', ['-p', dir, '-c', path, '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });
  // Ready when its port accepts connections.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline) throw new Error(`nginx did not listen: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}`, process: child };
}
