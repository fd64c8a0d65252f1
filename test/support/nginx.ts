import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

/**
 * Starts nginx as the load balancer of deploy/nginx.conf (WebSocket upgrade, failover to the next
 * node on a refused connection), with `upstreams` as `server` lines (`127.0.0.1:PORT [backup]`).
 * Single process, every file in a temporary folder; stopped when the test ends.
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
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream rtc_call {
${upstreams.map((line) => `    server ${line} max_fails=1 fail_timeout=30s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://rtc_call;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout;
      proxy_read_timeout 1h;
    }
  }
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
