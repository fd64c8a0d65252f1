import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Debian installs nginx in /usr/sbin, which a non-login PATH may lack.
const NGINX = process.env.NGINX ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

/** Debian's nginx, started by a test in front of a server, with a self-signed certificate. */
export interface Nginx {
  /** `https://127.0.0.1:PORT`: TLS terminated by nginx. */
  https: string;
  /** `http://127.0.0.1:PORT`: the plain-HTTP server of the file (redirects). */
  http: string;
  /** The certificate nginx presents (PEM), to trust it from Node. */
  cert: string;
  /** nginx's access log so far. */
  accessLog(): Promise<string>;
  /** Stops nginx and removes its temporary folder. */
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 (and ::1) right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Replaces `from` with `to` in `text`, exactly once: the shipped file must still hold that line. */
function substitute(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2)
    throw new Error(`deploy/nginx.conf: expected "${from}" once, found it ${parts.length - 1} times`);
  return parts.join(to);
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts nginx (not as a daemon, no master process, everything in a temporary folder) with
 * `site` (deploy/nginx.conf) as its only site: only its ports, upstream address and certificate
 * paths are substituted, so the shipped file is what runs. `upstream` is the server's port.
 */
export async function startNginx(site: string, upstream: number): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-nginx-'));
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await run('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1'],
      ...['-keyout', key, '-out', cert],
    ]);
    const [httpsPort, httpPort] = [await freePort(), await freePort()];
    let config = site;
    config = substitute(config, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
    config = substitute(config, 'listen [::]:80;', `listen [::1]:${httpPort};`);
    config = substitute(config, 'listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
    config = substitute(config, 'listen [::]:443 ssl http2;', `listen [::1]:${httpsPort} ssl http2;`);
    config = substitute(config, 'server 127.0.0.1:8080;', `server 127.0.0.1:${upstream};`);
    config = substitute(config, '/etc/letsencrypt/live/calls.example.com/fullchain.pem', cert);
    config = substitute(config, '/etc/letsencrypt/live/calls.example.com/privkey.pem', key);
    await writeFile(join(dir, 'site.conf'), config);
    // What /etc/nginx/nginx.conf does on Debian, minus the system paths.
    await writeFile(
      join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'master_process off;',
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')} warn;`,
        'events { worker_connections 256; }',
        'http {',
        `  access_log ${join(dir, 'access.log')};`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (kind) => `  ${kind}_temp_path ${join(dir, kind)};`,
        ),
        '  default_type application/octet-stream;',
        `  include ${join(dir, 'site.conf')};`,
        '}',
      ].join('\n'),
    );
    const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
    await run(NGINX, [...args, '-t']); // the configuration is valid before it runs
    const child = spawn(NGINX, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = once(child, 'exit');
    const deadline = Date.now() + 10_000;
    while (!(await accepts(httpsPort))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
        throw new Error(`nginx did not start: ${stderr}${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      https: `https://127.0.0.1:${httpsPort}`,
      http: `http://127.0.0.1:${httpPort}`,
      cert: await readFile(cert, 'utf8'),
      accessLog: () => readFile(join(dir, 'access.log'), 'utf8'),
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
