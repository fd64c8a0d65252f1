import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { buildApp } from '../../server/app.js';
import { ConfigError, configFromEnv } from '../../server/config.js';
import { lanAddresses } from '../../server/lib/tls.js';
import { connect, request, startServer } from './helpers.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-certs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** GET over HTTPS trusting only `ca`: the certificate must name 127.0.0.1. */
function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      const fingerprint = (response.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, fingerprint }));
    }).once('error', reject);
  });
}

test('HTTPS=self-signed makes a certificate for localhost and this machine, serves with it and reuses it', async (t) => {
  const certDir = await tempDir(t);
  const url = await startServer(t, { tls: 'self-signed', certDir });
  assert.match(url, /^https:/);
  const cert = await readFile(join(certDir, 'self-signed-cert.pem'));
  const names = new X509Certificate(cert).subjectAltName ?? '';
  assert.match(names, /DNS:localhost/);
  assert.match(names, /IP Address:127\.0\.0\.1/);

  const first = await httpsGet(`${url}/healthz`, cert);
  assert.equal(first.status, 200);
  assert.equal(first.fingerprint, new X509Certificate(cert).fingerprint256);
  // Signaling over wss:// with the same certificate.
  const socket = await connect(t, url, { ca: cert } as object);
  assert.equal((await request(socket, 'join', { v: 1, room: 'secure' })).ok, true);

  // A second start finds the certificate and keeps it (a phone's one-time exception stays valid).
  const second = await startServer(t, { tls: 'self-signed', certDir });
  assert.equal((await httpsGet(`${second}/healthz`, cert)).fingerprint, first.fingerprint);
  const key = await stat(join(certDir, 'self-signed-key.pem'));
  assert.equal(key.mode & 0o077, 0, 'the private key is readable by its owner only');
});

test('TLS_CERT and TLS_KEY serve the operator certificate', async (t) => {
  const certDir = await tempDir(t);
  // Any valid pair will do: let the self-signed code make one, then use it as operator files.
  const made = await buildApp({ logLevel: false, tls: 'self-signed', certDir });
  await made.close();
  const config = configFromEnv({
    TLS_CERT: join(certDir, 'self-signed-cert.pem'),
    TLS_KEY: join(certDir, 'self-signed-key.pem'),
  });
  const url = await startServer(t, { tls: config.tls });
  const cert = await readFile(join(certDir, 'self-signed-cert.pem'));
  assert.equal((await httpsGet(`${url}/healthz`, cert)).status, 200);

  await assert.rejects(
    buildApp({
      logLevel: false,
      tls: { cert: join(certDir, 'missing.pem'), key: join(certDir, 'self-signed-key.pem') },
    }),
    (error: unknown) =>
      error instanceof ConfigError && /^TLS_CERT: cannot read ".*missing\.pem" \(ENOENT\)/.test(error.message),
  );
});

test('main.ts with HTTPS=self-signed listens on https and says how to reach it from a phone', async () => {
  const expectHint = lanAddresses().v4.length > 0; // a machine with no network has no LAN URL to give
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', HTTPS: 'self-signed', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /Server listening at (https:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match && (!expectHint || /HOST=0\.0\.0\.0/.test(output))) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  const cert = await readFile('.certs/self-signed-cert.pem');
  assert.equal((await httpsGet(`${url}/healthz`, cert)).status, 200);
  child.kill('SIGTERM');
  assert.deepEqual(await once(child, 'exit'), [0, null]);
  if (expectHint) assert.match(output, /start it with HOST=0\.0\.0\.0 and open https:\/\/[\d.]+:\d+/);
});
